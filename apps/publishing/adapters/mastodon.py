"""Mastodon: ``POST /api/v1/statuses`` with an Idempotency-Key, media via ``POST /api/v2/media``.

Config: ``base_url`` (the instance, e.g. ``https://mastodon.comune.it``), optional
``visibility`` (default ``public``). Secret: the application's access token.

Unknown outcomes (``can_reconcile``): ``find_existing`` reads the account's own recent
statuses (``GET /api/v1/accounts/:id/statuses``, newest first) back to the first moment an
earlier attempt could have reached the server (``PublishRequest.not_before``) and looks for
our text. Found: that status is ours. Not found after reading that far back: it was never
created, and a resend is safe. Too many statuses to read that far: within Mastodon's
Idempotency-Key window (it remembers a key for about an hour; we count 50 minutes) the resend
with the same key still cannot duplicate, so ``None``; beyond it, ``UnknownOutcome`` and a
person decides. A resend never relies on the key alone outside its window.

Metrics: ``GET /api/v1/statuses/:id`` (``favourites_count``, ``reblogs_count``,
``replies_count``; Mastodon counts no views); 404 once deleted. Followers:
``followers_count`` of ``GET /api/v1/accounts/verify_credentials``.
"""

import html
import re
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

from apps.channels.enums import ChannelKind
from apps.channels.kinds import MAX_IMAGES as KIND_MAX_IMAGES
from apps.planning.checks import text_as_sent

from ._http import (
    BearerApiAdapter,
    bearer_client,
    image_bytes,
    json_or_empty,
    open_media,
    require,
    send,
)
from .base import (
    GoneError,
    PermanentError,
    PostMetrics,
    PublishRequest,
    PublishResult,
    ReplyRequest,
    TransientError,
    UnknownOutcome,
    VideoPayload,
    figure,
)

MAX_IMAGES = KIND_MAX_IMAGES[ChannelKind.MASTODON]
MEDIA_POLLS = 4  # ~5 s in all, then a transient error: the engine retries later
MEDIA_POLL_SECONDS = 0.5
# A video takes longer to transcode: ~20 s of polling (growing pauses), then the engine retries
# the whole send later (the upload is harmless to repeat).
VIDEO_POLLS = 8

LOOKUP_PAGE_SIZE = 40  # the API's maximum per page
LOOKUP_PAGES = 5  # 200 statuses: far more than an office posts between two attempts
KEY_WINDOW = timedelta(minutes=50)  # Mastodon keeps an Idempotency-Key ~1 h; a margin
CLOCK_MARGIN = timedelta(minutes=5)  # our clock against the instance's

_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.IGNORECASE)
_REMOTE_MENTION = re.compile(r"@(\w+)@[\w.-]+\w")  # shown as "@name" in the HTML


def _comparable(text: str) -> str:
    """Text with whitespace collapsed and remote mentions shortened as Mastodon shows them."""
    return " ".join(_REMOTE_MENTION.sub(r"@\1", text).split())


def _text_of_content(content: str) -> str:
    """The plain text of a status's HTML ``content`` (links keep their full address: Mastodon
    hides parts of it in spans, whose text is still there)."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content or "")))


def _created_at(status: dict) -> datetime | None:
    try:
        created = datetime.fromisoformat(str(status.get("created_at", "")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return created if created.tzinfo else created.replace(tzinfo=UTC)


def _message(response) -> str:
    return str(json_or_empty(response).get("error", ""))


def _retry_after(response) -> float | None:
    """Mastodon's 429 carries no Retry-After: the limit window ends at X-RateLimit-Reset,
    an ISO 8601 time (e.g. ``2026-03-06T11:05:00.000000Z``)."""
    try:
        reset = datetime.fromisoformat(response.headers.get("X-RateLimit-Reset", ""))
    except ValueError:
        return None
    if reset.tzinfo is None:
        return None
    return max(reset.timestamp() - time.time(), 0.0)


class MastodonAdapter(BearerApiAdapter):
    kind = "mastodon"
    supports_delete = True
    can_reconcile = True
    supports_verify = True
    supports_video = True
    supports_reply = True

    message_of = staticmethod(_message)
    retry_after_of = staticmethod(_retry_after)

    def verify(self, *, config: dict, secret: str) -> str:
        response = self.call_harmless(config, secret, "GET", "/api/v1/accounts/verify_credentials")
        return "@" + str(json_or_empty(response).get("acct", ""))

    def _client(self, config: dict, secret: str):
        base_url = require(config, "base_url", self.kind)  # every Comune has its own instance
        return bearer_client(config, secret, kind=self.kind, default_base_url=base_url, pinned=True)

    @staticmethod
    def _status_text(request: PublishRequest) -> str:
        return text_as_sent(request.text, "mastodon", request.link)

    def publish(self, request: PublishRequest) -> PublishResult:
        with self._client(request.config, request.secret) as client:
            if request.video is not None:  # a status carries one video or up to 4 images
                media_ids = [self._upload_video(client, request, request.video)]
            else:
                images = request.images[:MAX_IMAGES]
                media_ids = [self._upload(client, request, image) for image in images]
            data = {
                "status": self._status_text(request),
                "visibility": request.config.get("visibility", "public"),
                "language": request.language,
                "media_ids[]": media_ids,
            }
            response = send(
                client,
                "POST",
                "/api/v1/statuses",
                secret=request.secret,
                kind=self.kind,
                data=data,
                headers={"Idempotency-Key": request.idempotency_key},
            )
            self.raise_for(response, request.secret)
            status = response.json()
            return PublishResult(external_id=str(status["id"]), url=status.get("url") or "")

    def reply(self, request: ReplyRequest) -> PublishResult:
        """A status ``in_reply_to_id`` the citizen's; ``direct`` for a private conversation.
        Mastodon shows a reply to whoever it mentions: the citizen's handle leads the text."""
        text = request.text
        if request.mention and not text.startswith(request.mention):
            text = f"{request.mention} {text}"
        with self._client(request.config, request.secret) as client:
            response = send(
                client,
                "POST",
                "/api/v1/statuses",
                secret=request.secret,
                kind=self.kind,
                data={
                    "status": text,
                    "in_reply_to_id": request.in_reply_to,
                    "visibility": "direct" if request.private else "public",
                },
                headers={"Idempotency-Key": request.idempotency_key}
                if request.idempotency_key
                else None,
            )
        self.raise_for(response, request.secret)
        status = response.json()
        return PublishResult(external_id=str(status["id"]), url=status.get("url") or "")

    def _upload(self, client, request: PublishRequest, image) -> str:
        # An upload creates nothing public: a lost answer is simply retried.
        response = send(
            client,
            "POST",
            "/api/v2/media",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            data={"description": image.alt_text},
            files={"file": ("immagine", image_bytes(image.path), image.content_type)},
        )
        self.raise_for(response, request.secret)
        media_id = str(response.json()["id"])
        if response.status_code == 202:  # still processing: a status cannot attach it yet
            self._wait_processed(client, request, media_id)
        return media_id

    def _upload_video(self, client, request: PublishRequest, video: VideoPayload) -> str:
        """``POST /api/v2/media`` streamed from storage, with the poster as ``thumbnail``; a
        video is processed asynchronously (202), so poll ``GET /api/v1/media/:id`` until 200.
        An upload creates nothing public: a lost answer is simply retried."""
        try:
            with ExitStack() as files:
                parts = {
                    "file": ("video.mp4", files.enter_context(open_media(video.path)), "video/mp4")
                }
                if video.poster_path:
                    poster = files.enter_context(open_media(video.poster_path))
                    parts["thumbnail"] = ("poster.jpg", poster, "image/jpeg")
                response = send(
                    client,
                    "POST",
                    "/api/v2/media",
                    secret=request.secret,
                    kind=self.kind,
                    may_duplicate=False,
                    data={"description": video.description},
                    files=parts,
                )
        except OSError as exc:
            raise PermanentError(f"{self.kind}: video non leggibile ({exc.strerror})") from None
        self.raise_for(response, request.secret)
        media_id = str(response.json()["id"])
        if response.status_code == 202:
            self._wait_processed(
                client, request, media_id, polls=VIDEO_POLLS, what="video ancora in elaborazione"
            )
        return media_id

    def _wait_processed(
        self,
        client,
        request: PublishRequest,
        media_id: str,
        *,
        polls: int = MEDIA_POLLS,
        what: str = "immagine ancora in elaborazione",
    ) -> None:
        for attempt in range(polls):
            time.sleep(MEDIA_POLL_SECONDS * (attempt + 1))
            response = send(
                client,
                "GET",
                f"/api/v1/media/{media_id}",
                secret=request.secret,
                kind=self.kind,
                may_duplicate=False,
            )
            self.raise_for(response, request.secret)  # 422: the instance could not process it
            if response.status_code == 200:
                return
        raise TransientError(f"{self.kind}: {what}", retry_after=30.0)

    def find_existing(self, request: PublishRequest) -> PublishResult | None:
        """Our status among the account's own since ``request.not_before`` (module docstring)."""
        now = datetime.now(UTC)
        since = (request.not_before or now) - CLOCK_MARGIN
        wanted = _comparable(self._status_text(request))
        with self._client(request.config, request.secret) as client:
            account = self._get(client, request, "/api/v1/accounts/verify_credentials")
            path = f"/api/v1/accounts/{account.get('id', '')}/statuses"
            params = {"limit": LOOKUP_PAGE_SIZE, "exclude_reblogs": "true"}
            for _page in range(LOOKUP_PAGES):
                statuses = self._get(client, request, path, params=params, many=True)
                for status in statuses:
                    created = _created_at(status)
                    if created is not None and created < since:
                        return None  # read back past every attempt: it was never created
                    if _comparable(_text_of_content(status.get("content", ""))) == wanted:
                        return PublishResult(
                            external_id=str(status["id"]), url=status.get("url") or ""
                        )
                if len(statuses) < LOOKUP_PAGE_SIZE:
                    return None  # the account's whole history was read
                params = {**params, "max_id": str(statuses[-1]["id"])}
        if now - since < KEY_WINDOW:
            return None  # the resend's Idempotency-Key still returns the status if it exists
        raise UnknownOutcome(
            f"{self.kind}: troppi messaggi da controllare dopo il primo tentativo; "
            "verificare a mano se il post è stato pubblicato"
        )

    def _get(self, client, request: PublishRequest, path: str, *, params=None, many=False):
        response = send(
            client,
            "GET",
            path,
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            params=params,
        )
        self.raise_for(response, request.secret)
        if many:
            try:
                data = response.json()
            except ValueError:
                data = None
            if not isinstance(data, list):
                raise TransientError(f"{self.kind}: risposta inattesa alla ricerca dei messaggi")
            return [item for item in data if isinstance(item, dict) and "id" in item]
        return json_or_empty(response)

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        self.call_harmless(config, secret, "DELETE", f"/api/v1/statuses/{external_id}")

    supports_metrics = True
    supports_followers = True

    def metrics(self, *, external_id: str, config: dict, secret: str) -> PostMetrics:
        with self._client(config, secret) as client:
            response = send(
                client,
                "GET",
                f"/api/v1/statuses/{external_id}",
                secret=secret,
                kind=self.kind,
                may_duplicate=False,
            )
        if response.status_code in (404, 410):
            raise GoneError(f"{self.kind}: post non più presente", status=response.status_code)
        self.raise_for(response, secret)
        status = json_or_empty(response)
        return PostMetrics(
            reactions=figure(status, "favourites_count"),
            comments=figure(status, "replies_count"),
            shares=figure(status, "reblogs_count"),
        )

    def followers(self, *, config: dict, secret: str) -> int | None:
        response = self.call_harmless(config, secret, "GET", "/api/v1/accounts/verify_credentials")
        return figure(json_or_empty(response), "followers_count")
