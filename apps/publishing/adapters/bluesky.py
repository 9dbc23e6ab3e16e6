"""Bluesky (AT Protocol): an ``app.bsky.feed.post`` record through
``com.atproto.repo.createRecord``, images through ``com.atproto.repo.uploadBlob``.

Config (set when the channel is connected, ``channels.bluesky``): ``base_url`` (the account's
server, its PDS) and ``did`` (the account, the repository written to). Secret: the session's
access JWT (about two hours; ``channels.connections`` refreshes it before it lapses).

The text is the one every page counts (``checks.text_as_sent``), at most 300 graphemes. Links,
mentions and hashtags become *facets*, so they are clickable: each facet names its span by
UTF-8 **byte** offsets, not by characters. A mention is linked only when its handle resolves to
a DID (``com.atproto.identity.resolveHandle``); otherwise it stays plain text, as Bluesky's own
app does. Without images the post's link is drawn as a card (``app.bsky.embed.external``);
with images (at most 4, each at most 1,000,000 bytes, alt text required by the lexicon's shape)
the images are the embed and the link is appended to the text, as the preview shows.

A video (a post's first library video, instead of its images) goes to Bluesky's video service
(config ``video_service_url``, default ``https://video.bsky.app``): a service token from
``com.atproto.server.getServiceAuth`` (``aud`` the account's PDS as ``did:web:<host>``,
``lxm`` ``com.atproto.repo.uploadBlob``, 30 minutes), ``app.bsky.video.uploadVideo?did=&name=``
with the MP4 streamed from storage, ``app.bsky.video.getJobStatus`` until
``JOB_STATE_COMPLETED`` (its ``blob``), then an ``app.bsky.embed.video`` (alt text, aspect
ratio, and its WebVTT captions uploaded as ``text/vtt`` blobs, one per language, each at most
20 kB: a larger one is left out and logged, the video still goes) in the post. The service
token is sent to the video service only, per request.

Errors are XRPC's ``{"error", "message"}``: ``ExpiredToken`` (the access JWT lapsed before its
refresh) is transient, the refresh task renews it; ``RateLimitExceeded`` (429) carries
``ratelimit-reset`` (epoch seconds); ``InvalidRequest`` and other 4xx are permanent.
No idempotency key exists for ``createRecord``: an unknown outcome goes to a person.

Figures (``metrics``): ``app.bsky.feed.getPosts?uris=<at-uri>`` (served by the AppView through
the account's PDS) gives likes, reposts, replies and quotes; Bluesky counts no views. A post
deleted on Bluesky is simply missing from the answer. Followers: ``app.bsky.actor.getProfile``
(``followersCount``).

Answers to citizens (``reply``, apps.inbox): a post whose record carries ``reply: {root,
parent}``, each a strong ref ``{uri, cid}``: the parent (the citizen's post) is read with
``getPosts`` for its ``cid`` and for the root of its thread (its own ``reply.root``, or itself
when it starts the thread). Bluesky's private chats are another service: not answered here.
"""

import logging
import re
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from apps.channels.enums import ChannelKind
from apps.channels.kinds import MAX_IMAGES as KIND_MAX_IMAGES
from apps.planning.checks import (
    HASHTAG_CANDIDATE_RE,
    LETTER_RE,
    URL_RE,
    count_characters,
    text_as_sent,
)

from ._http import (
    BearerApiAdapter,
    bearer_client,
    client_for,
    image_bytes,
    json_or_empty,
    open_media,
    raise_for_status,
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
    figure,
    total,
)

TEXT_LIMIT = 300  # graphemes (app.bsky.feed.post: maxGraphemes 300)
MAX_IMAGES = KIND_MAX_IMAGES[ChannelKind.BLUESKY]
MAX_IMAGE_BYTES = 1_000_000
MAX_ALT = 2000  # alt text is free, Bluesky's app caps it around 2,000 characters
MAX_MENTIONS = 10  # resolved per post; more are left as plain text
COLLECTION = "app.bsky.feed.post"
# A handle after "@" (not inside a word or an address): name.domain, lower-case on the wire.
MENTION_RE = re.compile(
    r"(?<![\w@.])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z][a-zA-Z0-9-]{0,61})"
)
logger = logging.getLogger("apps.publishing.adapters")
VIDEO_SERVICE_URL = "https://video.bsky.app"
CAPTION_MAX_BYTES = 20_000  # app.bsky.embed.video#caption: a text/vtt blob of at most 20 kB
MAX_CAPTIONS = 20
VIDEO_MAX_ALT = 1000  # app.bsky.embed.video: alt maxGraphemes 1000
VIDEO_POLLS = 30
VIDEO_POLL_SECONDS = 2.0  # the job gives no wait hint; tests make it short
VIDEO_READ_BYTES = 1024 * 1024
SERVICE_TOKEN_SECONDS = 30 * 60
# What ends a sentence rather than a link ("… su https://comune.it.").
_TRAILING = ".,;:!?\"'»"


def _message(response) -> str:
    body = json_or_empty(response)
    error, message = str(body.get("error", "")), str(body.get("message", ""))
    return f"{error}: {message}" if error and message else error or message


def _retry_after(response) -> float | None:
    """Bluesky's rate limits answer ``ratelimit-reset``: when the window ends, in epoch seconds."""
    reset = response.headers.get("ratelimit-reset")
    try:
        return max(float(reset) - time.time(), 0.0) if reset else None
    except ValueError:
        return None


def _link_end(text: str, start: int, end: int) -> int:
    """Where a link found by ``URL_RE`` really ends: trailing punctuation and an unbalanced
    closing parenthesis belong to the sentence."""
    while end > start:
        last = text[end - 1]
        if last in _TRAILING:
            end -= 1
        elif last == ")" and text.count("(", start, end) < text.count(")", start, end):
            end -= 1
        else:
            break
    return end


def _spans(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, value) for each link, mention and hashtag, in character offsets,
    without overlaps (a "#" inside a link belongs to the link), in order."""
    found = []
    for match in URL_RE.finditer(text):
        end = _link_end(text, match.start(), match.end())
        url = text[match.start() : end]
        if url.lower().startswith("www."):
            url = "https://" + url
        if urlsplit(url).hostname:
            found.append((match.start(), end, "link", url))
    for match in MENTION_RE.finditer(text):
        found.append((match.start(), match.end(), "mention", match.group(1).lower()))
    for match in HASHTAG_CANDIDATE_RE.finditer(text):
        tag = match.group(1)
        if LETTER_RE.search(tag) and len(tag) <= 64:
            found.append((match.start(), match.end(), "tag", tag))
    found.sort()
    spans, reached = [], 0
    for span in found:
        if span[0] >= reached:
            spans.append(span)
            reached = span[1]
    return spans


def facets(text: str, resolve) -> list[dict]:
    """The facets of ``text``; ``resolve(handle)`` gives a mention's DID or None.

    Byte offsets are counted once through the text, from one span to the next (linear)."""
    result = []
    char_at, byte_at = 0, 0
    for start, end, kind, value in _spans(text):
        byte_start = byte_at + len(text[char_at:start].encode("utf-8"))
        byte_end = byte_start + len(text[start:end].encode("utf-8"))
        char_at, byte_at = end, byte_end
        if kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": value}
        elif kind == "tag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": value}
        else:
            did = resolve(value)
            if not did:
                continue
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        result.append(
            {"index": {"byteStart": byte_start, "byteEnd": byte_end}, "features": [feature]}
        )
    return result


def _aspect_ratio(path: str) -> dict | None:
    try:
        with Image.open(path) as image:
            width, height = image.size
    except (OSError, UnidentifiedImageError):
        return None
    return {"width": width, "height": height} if width and height else None


def post_url(uri: str) -> str:
    """``at://did/app.bsky.feed.post/rkey`` as the post's page on bsky.app."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) == 3 and parts[1] == COLLECTION:
        return f"https://bsky.app/profile/{parts[0]}/post/{parts[2]}"
    return ""


class BlueskyAdapter(BearerApiAdapter):
    kind = "bluesky"
    supports_delete = True
    supports_verify = True
    supports_video = True

    message_of = staticmethod(_message)
    retry_after_of = staticmethod(_retry_after)

    def _client(self, config: dict, secret: str):
        base_url = require(config, "base_url", self.kind)
        # The server comes from the account's DID document: pinned like a typed address.
        return bearer_client(config, secret, kind=self.kind, default_base_url=base_url, pinned=True)

    def raise_for(self, response, secret: str) -> None:
        if response.status_code in (400, 401) and json_or_empty(response).get("error") == (
            "ExpiredToken"
        ):
            # The access token lapsed before the refresh task renewed it: it will, shortly.
            raise TransientError(
                f"{self.kind}: token di sessione scaduto, si rinnova",
                status=response.status_code,
                retry_after=60.0,
            )
        raise_for_status(
            response,
            secret=secret,
            kind=self.kind,
            message_of=self.message_of,
            retry_after_of=self.retry_after_of,
        )

    def verify(self, *, config: dict, secret: str) -> str:
        response = self.call_harmless(config, secret, "GET", "/xrpc/com.atproto.server.getSession")
        return "@" + str(json_or_empty(response).get("handle", ""))

    def publish(self, request: PublishRequest) -> PublishResult:
        did = require(request.config, "did", self.kind)
        video = request.video
        images = [] if video is not None else request.images[:MAX_IMAGES]  # one embed
        text = text_as_sent(
            request.text, self.kind, request.link, has_images=bool(images) or video is not None
        )
        length = count_characters(text, self.kind)
        if length > TEXT_LIMIT:
            raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri ({length})")
        with self._client(request.config, request.secret) as client:
            record = {
                "$type": COLLECTION,
                "text": text,
                "createdAt": datetime.now(UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                "langs": [request.language],
            }
            found = self._facets(client, request, text)
            if found:
                record["facets"] = found
            if video is not None:
                record["embed"] = self._video(client, request, did)
            elif images:
                record["embed"] = {
                    "$type": "app.bsky.embed.images",
                    "images": [self._image(client, request, image) for image in images],
                }
            elif request.link:
                record["embed"] = {
                    "$type": "app.bsky.embed.external",
                    "external": {
                        "uri": request.link,
                        "title": request.title or urlsplit(request.link).hostname or "",
                        "description": "",
                    },
                }
            return self._create_record(client, request, did, record)

    supports_reply = True

    def reply(self, request: ReplyRequest) -> PublishResult:
        did = require(request.config, "did", self.kind)
        if request.private:
            raise PermanentError(f"{self.kind}: i messaggi privati non passano da PA Planner")
        if not request.in_reply_to.startswith("at://"):
            raise PermanentError(f"{self.kind}: identificativo del messaggio non valido")
        text = request.text.strip()
        length = count_characters(text, self.kind)
        if length > TEXT_LIMIT:
            raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri ({length})")
        with self._client(request.config, request.secret) as client:
            response = send(
                client,
                "GET",
                "/xrpc/app.bsky.feed.getPosts",
                secret=request.secret,
                kind=self.kind,
                may_duplicate=False,
                params={"uris": request.in_reply_to},
            )
            self.raise_for(response, request.secret)
            posts = json_or_empty(response).get("posts")
            parent = next(
                (
                    p
                    for p in (posts if isinstance(posts, list) else [])
                    if isinstance(p, dict) and p.get("uri") == request.in_reply_to and p.get("cid")
                ),
                None,
            )
            if parent is None:
                raise PermanentError(f"{self.kind}: il messaggio del cittadino non c'è più")
            parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
            thread = (parent.get("record") or {}).get("reply") or {}
            root = thread.get("root")
            if not (isinstance(root, dict) and root.get("uri") and root.get("cid")):
                root = parent_ref
            record = {
                "$type": COLLECTION,
                "text": text,
                "createdAt": datetime.now(UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                "reply": {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent_ref},
            }
            found = self._facets(client, request, text)
            if found:
                record["facets"] = found
            return self._create_record(client, request, did, record)

    def _create_record(self, client, request, did: str, record: dict) -> PublishResult:
        """``createRecord`` of a post (a new one or a reply): its ``at://`` URI and web link."""
        response = send(
            client,
            "POST",
            "/xrpc/com.atproto.repo.createRecord",
            secret=request.secret,
            kind=self.kind,
            json={"repo": did, "collection": COLLECTION, "record": record},
        )
        self.raise_for(response, request.secret)
        uri = str(json_or_empty(response).get("uri", ""))
        if not uri:
            raise TransientError(f"{self.kind}: risposta senza l'indirizzo del post")
        return PublishResult(external_id=uri, url=post_url(uri))

    def _facets(self, client, request, text: str) -> list[dict]:
        """The text's links, hashtags and mentions as facets; each handle resolved once, at
        most MAX_MENTIONS of them."""
        mentions: dict[str, str | None] = {}

        def resolve(handle: str) -> str | None:
            if handle not in mentions:
                mentions[handle] = (
                    self._resolve(client, request, handle) if len(mentions) < MAX_MENTIONS else None
                )
            return mentions[handle]

        return facets(text, resolve)

    def _resolve(self, client, request, handle: str) -> str | None:
        response = send(
            client,
            "GET",
            "/xrpc/com.atproto.identity.resolveHandle",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            params={"handle": handle},
        )
        if response.status_code == 400:
            return None  # "Unable to resolve handle": the mention stays plain text
        self.raise_for(response, request.secret)
        did = str(json_or_empty(response).get("did", ""))
        return did if did.startswith("did:") else None

    def _image(self, client, request: PublishRequest, image) -> dict:
        data = image_bytes(image.path)
        if len(data) > MAX_IMAGE_BYTES:
            raise PermanentError(
                f"{self.kind}: immagine di {len(data) // 1000} kB, oltre il massimo di "
                f"{MAX_IMAGE_BYTES // 1000} kB che Bluesky accetta"
            )
        # An upload creates nothing public: a lost answer is simply retried.
        response = send(
            client,
            "POST",
            "/xrpc/com.atproto.repo.uploadBlob",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            content=data,
            headers={"Content-Type": image.content_type},
        )
        self.raise_for(response, request.secret)
        blob = json_or_empty(response).get("blob")
        if not isinstance(blob, dict):
            raise TransientError(f"{self.kind}: risposta inattesa al caricamento dell'immagine")
        entry = {"alt": image.alt_text[:MAX_ALT], "image": blob}
        ratio = _aspect_ratio(image.path)
        if ratio:
            entry["aspectRatio"] = ratio
        return entry

    def _video(self, client, request: PublishRequest, did: str) -> dict:
        """Upload the post's video to Bluesky's video service and wait for its job; the
        ``app.bsky.embed.video`` for the post. Nothing is public until the post: a retry
        uploads again."""
        video = request.video
        pds_host = client.base_url.host
        response = send(
            client,
            "GET",
            "/xrpc/com.atproto.server.getServiceAuth",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            params={
                "aud": f"did:web:{pds_host}",
                "lxm": "com.atproto.repo.uploadBlob",
                "exp": int(time.time()) + SERVICE_TOKEN_SECONDS,
            },
        )
        self.raise_for(response, request.secret)
        token = str(json_or_empty(response).get("token", ""))
        if not token:
            raise TransientError(f"{self.kind}: autorizzazione per il video non ricevuta")
        service = client_for(
            request.config,
            base_url=str(request.config.get("video_service_url") or VIDEO_SERVICE_URL),
            pinned=True,
        )
        auth = {"Authorization": f"Bearer {token}"}

        def chunks():
            with open_media(video.path) as handle:
                yield from iter(lambda: handle.read(VIDEO_READ_BYTES), b"")

        try:
            response = send(
                service,
                "POST",
                "/xrpc/app.bsky.video.uploadVideo",
                secret=request.secret,
                kind=self.kind,
                may_duplicate=False,
                params={"did": did, "name": f"video-{request.delivery_id}.mp4"},
                content=chunks(),
                headers={
                    **auth,
                    "Content-Type": video.content_type,
                    "Content-Length": str(video.size),
                },
            )
        except OSError as exc:
            raise PermanentError(f"{self.kind}: video non leggibile ({exc.strerror})") from None
        job = json_or_empty(response)
        if not (response.status_code == 409 and job.get("jobId")):
            # 409 "already_exists" names the job of the same video sent before (a retry)
            self.raise_for(response, request.secret)
        job_id = str(job.get("jobId", ""))
        if not job_id:
            raise TransientError(f"{self.kind}: risposta inattesa al caricamento del video")
        blob = self._wait_for_job(service, request, job_id, auth)
        embed = {"$type": "app.bsky.embed.video", "video": blob}
        if video.description:
            embed["alt"] = video.description[:VIDEO_MAX_ALT]
        if video.width and video.height:
            embed["aspectRatio"] = {"width": video.width, "height": video.height}
        captions = [
            entry
            for caption in video.captions[:MAX_CAPTIONS]
            for entry in [self._caption(client, request, caption)]
            if entry is not None
        ]
        if captions:
            embed["captions"] = captions
        return embed

    def _caption(self, client, request: PublishRequest, caption) -> dict | None:
        """A captions file as the embed's ``{lang, file}``: the WebVTT bytes as a blob on the
        PDS. Over Bluesky's 20 kB it is left out (logged): captions help, the video goes."""
        data = image_bytes(caption.path)
        if len(data) > CAPTION_MAX_BYTES:
            logger.warning(
                "bluesky: captions %s left out (%s bytes, at most %s)",
                caption.language,
                len(data),
                CAPTION_MAX_BYTES,
            )
            return None
        response = send(
            client,
            "POST",
            "/xrpc/com.atproto.repo.uploadBlob",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            content=data,
            headers={"Content-Type": "text/vtt"},
        )
        self.raise_for(response, request.secret)
        blob = json_or_empty(response).get("blob")
        if not isinstance(blob, dict):
            raise TransientError(f"{self.kind}: risposta inattesa al caricamento dei sottotitoli")
        return {"lang": caption.language, "file": blob}

    def _wait_for_job(self, service, request: PublishRequest, job_id: str, auth: dict) -> dict:
        for attempt in range(VIDEO_POLLS):
            response = send(
                service,
                "GET",
                "/xrpc/app.bsky.video.getJobStatus",
                secret=request.secret,
                kind=self.kind,
                may_duplicate=False,
                params={"jobId": job_id},
                headers=auth,
            )
            self.raise_for(response, request.secret)
            status = json_or_empty(response).get("jobStatus") or {}
            state = str(status.get("state", ""))
            if state == "JOB_STATE_COMPLETED":
                blob = status.get("blob")
                if not isinstance(blob, dict):
                    raise TransientError(f"{self.kind}: video elaborato senza blob")
                return blob
            if state == "JOB_STATE_FAILED":
                reason = str(status.get("message") or status.get("error") or state)
                raise PermanentError(f"{self.kind}: video rifiutato ({reason})")
            if attempt < VIDEO_POLLS - 1:
                time.sleep(VIDEO_POLL_SECONDS)
        raise TransientError(f"{self.kind}: video ancora in elaborazione", retry_after=60.0)

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        parts = external_id.removeprefix("at://").split("/")
        if len(parts) != 3:
            raise PermanentError(f"{self.kind}: identificativo del post non valido")
        self.call_harmless(
            config,
            secret,
            "POST",
            "/xrpc/com.atproto.repo.deleteRecord",
            json={"repo": parts[0], "collection": parts[1], "rkey": parts[2]},
        )

    supports_metrics = True
    supports_followers = True

    def metrics(self, *, external_id: str, config: dict, secret: str) -> PostMetrics:
        if not external_id.startswith("at://"):
            raise PermanentError(f"{self.kind}: identificativo del post non valido")
        response = self.call_harmless(
            config, secret, "GET", "/xrpc/app.bsky.feed.getPosts", params={"uris": external_id}
        )
        posts = json_or_empty(response).get("posts")
        if not isinstance(posts, list):
            raise TransientError(f"{self.kind}: risposta inattesa alla lettura del post")
        post = next((p for p in posts if isinstance(p, dict) and p.get("uri") == external_id), None)
        if post is None:  # getPosts leaves out what no longer exists
            raise GoneError(f"{self.kind}: post non più presente", status=404)
        return PostMetrics(
            reactions=figure(post, "likeCount"),
            comments=figure(post, "replyCount"),
            shares=total(figure(post, "repostCount"), figure(post, "quoteCount")),
        )

    def followers(self, *, config: dict, secret: str) -> int | None:
        did = require(config, "did", self.kind)
        response = self.call_harmless(
            config, secret, "GET", "/xrpc/app.bsky.actor.getProfile", params={"actor": did}
        )
        return figure(json_or_empty(response), "followersCount")
