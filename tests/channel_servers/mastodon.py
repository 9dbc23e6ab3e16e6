"""Mastodon: statuses, media, Idempotency-Key (same key -> the same status, no duplicate),
and the account's statuses, newest first, paged with ``max_id`` (the reconcile lookup).

For the inbox: citizens' statuses that mention the Comune (:meth:`MastodonServer.add_mention`,
public, replies or ``direct``) and their edits (:meth:`MastodonServer.edit_mention`) appear in
``GET /api/v1/notifications`` (types ``mention`` and ``update``), newest first, paged with
``max_id`` / ``since_id`` / ``min_id`` and a ``Link`` header as Mastodon does."""

import html
import re
from datetime import UTC, datetime, timedelta

from .base import ChannelServer, RecordedRequest, Reply, bearer_ok

CHAR_LIMIT = 500
ACCOUNT_ID = "1"
PAGE_LIMIT = 40  # Mastodon's maximum for GET /api/v1/accounts/:id/statuses
NOTIFICATIONS_LIMIT = 80  # Mastodon's maximum for GET /api/v1/notifications
URL = re.compile(r"https?://[^\s<]+")


def _link(match: re.Match) -> str:
    """A link as Mastodon renders it: the scheme and the tail hidden, the rest shortened."""
    url = match.group(0)
    scheme, rest = url.split("://", 1)
    return (
        f'<a href="{url}" rel="nofollow noopener" target="_blank">'
        f'<span class="invisible">{scheme}://</span><span class="ellipsis">{rest[:30]}</span>'
        f'<span class="invisible">{rest[30:]}</span></a>'
    )


def _content_html(text: str) -> str:
    """The status's ``content`` as Mastodon returns it: HTML paragraphs, ``<br>``, links."""
    paragraphs = [URL.sub(_link, html.escape(p, quote=False)) for p in text.split("\n\n")]
    return "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)


class MastodonServer(ChannelServer):
    kind = "mastodon"
    default_token = "mastodon-test-token-0123456789"

    def _reset_state(self):
        self.by_key: dict[str, dict] = {}
        self.media: dict[str, dict] = {}
        # Large media are processed asynchronously: set N and each new upload answers 202,
        # then GET /api/v1/media/:id answers 206 N-1 times before 200.
        self.media_processing = 0
        self._pending: dict[str, int] = {}
        # Videos are always processed asynchronously (POST /api/v2/media answers 202): GET
        # /api/v1/media/:id answers 206 this many times before 200, or 422 when the
        # instance's transcoding fails. Over ``max_video_bytes`` the upload is refused (422,
        # Mastodon's default limit is 99 MB: instances set their own).
        self.video_processing = 2
        self.video_processing_fails = False
        self.max_video_bytes = 99 * 1024 * 1024
        self._failed: set[str] = set()
        self.notifications: list[dict] = []
        self.citizen_statuses: dict[str, dict] = {}

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def server_error(self):
        return Reply(500, {"error": "Internal Server Error"})

    def rate_limited(self, retry_after):
        # Mastodon (Rack::Attack) sends no Retry-After: the window's end is X-RateLimit-Reset,
        # an ISO 8601 UTC time with microseconds.
        reset = datetime.now(UTC) + timedelta(seconds=retry_after)
        return Reply(
            429,
            {"error": "Too many requests"},
            {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            },
        )

    def handle(self, request: RecordedRequest) -> Reply:
        if not bearer_ok(request, self.token):
            return Reply(401, {"error": "The access token is invalid"})
        if request.method == "POST" and request.path == "/api/v2/media":
            return self._media(request)
        if request.method == "POST" and request.path == "/api/v1/statuses":
            return self._status(request)
        if request.method == "GET" and request.path == "/api/v1/accounts/verify_credentials":
            return Reply(
                200,
                {
                    "id": ACCOUNT_ID,
                    "acct": "comune",
                    "display_name": "Comune di Esempio",
                    "followers_count": self.followers,
                    "following_count": 120,
                    "statuses_count": 2400,
                },
            )
        if request.method == "GET" and request.path == f"/api/v1/accounts/{ACCOUNT_ID}/statuses":
            return self._account_statuses(request)
        if request.method == "GET" and request.path == "/api/v1/notifications":
            return self._notifications(request)
        if request.method == "GET" and request.path.startswith("/api/v1/media/"):
            media_id = request.path.rsplit("/", 1)[-1]
            if media_id not in self.media:
                return Reply(404, {"error": "Record not found"})
            if media_id in self._failed:
                return Reply(422, {"error": "Error processing thumbnail for uploaded media"})
            if self._pending.get(media_id, 0) > 1:
                self._pending[media_id] -= 1
                return Reply(206, {**self.media[media_id], "url": None})
            self._pending.pop(media_id, None)
            return Reply(200, self.media[media_id])
        if request.path.startswith("/api/v1/statuses/"):
            status_id = request.path.rsplit("/", 1)[-1]
            item = next((i for i in self.items if i["id"] == status_id), None)
            if item is None:
                return Reply(404, {"error": "Record not found"})
            if request.method == "DELETE":
                self.items.remove(item)
                return Reply(200, item)
            figures = self.figures_of(status_id)
            return Reply(
                200,
                {
                    **item,
                    "favourites_count": figures["reactions"],
                    "reblogs_count": figures["shares"],
                    "replies_count": figures["comments"],
                },
            )
        return Reply(404, {"error": "Record not found"})

    def expire_idempotency_keys(self) -> None:
        """Mastodon forgets an Idempotency-Key after about an hour: from now on a resend with
        the same key creates a second status."""
        with self._lock:
            self.by_key.clear()

    def add_status(self, text: str, *, created_at: datetime | None = None) -> dict:
        """A status posted by someone else (another app, a person), at ``created_at``."""
        status_id = str(110000000 + self.next_id())
        status = self._status_shape(status_id, text, created_at=created_at)
        with self._lock:
            self.items.append(status)
        return status

    def add_mention(
        self,
        text: str,
        *,
        acct: str = "mario.rossi@social.example",
        display_name: str = "Mario Rossi",
        visibility: str = "public",
        in_reply_to_id: str | None = None,
    ) -> dict:
        """A citizen's status that mentions the Comune (a reply, or ``direct``): it shows in
        the Comune's notifications as a ``mention``."""
        with self._lock:
            status_id = str(120000000 + self.next_id())
            account_id = str(abs(hash(acct)) % 10**8)
            status = {
                "id": status_id,
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "in_reply_to_id": in_reply_to_id,
                "visibility": visibility,
                "url": f"{self.base_url}/@{acct.split('@')[0]}/{status_id}",
                "content": _content_html(f"@comune {text}"),
                "edited_at": None,
                "account": {"id": account_id, "acct": acct, "display_name": display_name},
            }
            self.citizen_statuses[status_id] = status
            self._notify("mention", status)
            return status

    def edit_mention(self, status_id: str, text: str) -> None:
        """The citizen edits the status: an ``update`` notification."""
        with self._lock:
            status = self.citizen_statuses[status_id]
            status["content"] = _content_html(f"@comune {text}")
            status["edited_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            self._notify("update", dict(status))

    def _notify(self, kind: str, status: dict) -> None:
        self.notifications.append(
            {
                "id": str(self.next_id() + 500000),
                "type": kind,
                "created_at": status["created_at"],
                "account": status["account"],
                "status": status,
            }
        )

    def _notifications(self, request):
        types = request.query.get("types[]") or []
        try:
            limit = min(int(request.field("limit", 40)), NOTIFICATIONS_LIMIT)
        except ValueError:
            return Reply(422, {"error": "limit is not a number"})
        rows = [n for n in self.notifications if not types or n["type"] in types]
        rows.sort(key=lambda n: int(n["id"]))
        max_id, since_id, min_id = (request.field(k) for k in ("max_id", "since_id", "min_id"))
        if max_id:
            rows = [n for n in rows if int(n["id"]) < int(max_id)]
        if since_id:
            rows = [n for n in rows if int(n["id"]) > int(since_id)]
        if min_id:  # the page just after min_id (oldest of the newer ones)
            rows = [n for n in rows if int(n["id"]) > int(min_id)][:limit]
        else:  # the newest page
            rows = rows[-limit:]
        page = list(reversed(rows))  # newest first, as Mastodon answers
        headers = {}
        if page:
            base = f"{self.base_url}/api/v1/notifications"
            headers["Link"] = (
                f'<{base}?max_id={page[-1]["id"]}>; rel="next", '
                f'<{base}?min_id={page[0]["id"]}>; rel="prev"'
            )
        return Reply(200, page, headers)

    def _account_statuses(self, request):
        try:
            limit = min(int(request.field("limit", 20)), PAGE_LIMIT)
        except ValueError:
            return Reply(422, {"error": "limit is not a number"})
        max_id = request.field("max_id")
        with self._lock:
            newest_first = sorted(self.items, key=lambda s: int(s["id"]), reverse=True)
        if max_id:
            newest_first = [s for s in newest_first if int(s["id"]) < int(max_id)]
        page = [{k: v for k, v in s.items() if k != "text"} for s in newest_first[:limit]]
        return Reply(200, page)  # Mastodon's status entity carries HTML content, not the text

    def _status_shape(self, status_id, text, *, created_at=None, **extra):
        created_at = created_at or datetime.now(UTC)
        return {
            "id": status_id,
            "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "url": f"{self.base_url}/@comune/{status_id}",
            "uri": f"{self.base_url}/users/comune/statuses/{status_id}",
            "text": text,
            "content": _content_html(text),
            **extra,
        }

    def _media(self, request):
        upload = request.files.get("file")
        if upload is None or not upload.data:
            return Reply(422, {"error": "Validation failed: File can't be blank"})
        is_video = (upload.content_type or "").startswith("video/")
        if is_video and len(upload.data) > self.max_video_bytes:
            return Reply(
                422,
                {
                    "error": "Validation failed: File file size must be less than "
                    f"{self.max_video_bytes} Bytes"
                },
            )
        media_id = str(100000 + self.next_id())
        self.media[media_id] = {
            "id": media_id,
            "type": "video" if is_video else "image",
            "url": f"{self.base_url}/media/{media_id}",
            "description": request.field("description", ""),
        }
        if is_video:
            thumbnail = request.files.get("thumbnail")
            self.media[media_id]["preview_url"] = (
                f"{self.base_url}/media/{media_id}/thumb" if thumbnail else None
            )
            if self.video_processing_fails:
                self._failed.add(media_id)
            else:
                self._pending[media_id] = self.video_processing
            return Reply(202, {**self.media[media_id], "url": None})
        if self.media_processing:
            self._pending[media_id] = self.media_processing
            return Reply(202, {**self.media[media_id], "url": None})
        return Reply(200, self.media[media_id])

    def _status(self, request):
        key = request.header("idempotency-key")
        if key and key in self.by_key:
            return Reply(200, self.by_key[key])  # Mastodon remembers the key: no duplicate
        text = request.field("status", "") or ""
        media_ids = (request.form.get("media_ids[]") or []) or (
            (request.json or {}).get("media_ids", []) if isinstance(request.json, dict) else []
        )
        if not text.strip() and not media_ids:
            return Reply(422, {"error": "Validation failed: Text can't be blank"})
        if len(text) > CHAR_LIMIT:
            return Reply(
                422, {"error": f"Validation failed: Text character limit of {CHAR_LIMIT} exceeded"}
            )
        unknown = [m for m in media_ids if m not in self.media]
        if unknown:
            return Reply(422, {"error": "Validation failed: Media attachments are invalid"})
        if any(m in self._pending for m in media_ids):
            return Reply(422, {"error": "Cannot attach files that have not finished processing"})
        status_id = str(110000000 + self.next_id())
        status = self._status_shape(
            status_id,
            text,
            visibility=request.field("visibility", "public"),
            language=request.field("language"),
            media_attachments=[self.media[m] for m in media_ids],
            idempotency_key=key,
            in_reply_to_id=request.field("in_reply_to_id"),
        )
        self.items.append(status)
        if key:
            self.by_key[key] = status
        return Reply(200, status)
