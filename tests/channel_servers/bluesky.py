"""Bluesky (AT Protocol XRPC) as a PDS answers it: sessions from an app password
(``createSession``), rotating refresh tokens (``refreshSession``), ``uploadBlob``,
``createRecord`` / ``deleteRecord`` for ``app.bsky.feed.post``, ``resolveHandle`` and
``getSession``; the AppView's reads through the PDS: ``app.bsky.feed.getPosts`` (each post with
``likeCount``, ``repostCount``, ``replyCount``, ``quoteCount``; a deleted or unknown post is
left out of ``posts``, as Bluesky does) and ``app.bsky.actor.getProfile`` (``followersCount``);
the inbox's ``app.bsky.notification.listNotifications`` (newest first, ``limit`` up to 100,
an opaque ``cursor`` for the next, older page, ``reasons`` filter) and ``updateSeen``; a post
with ``reply: {root, parent}`` strong refs must name posts that exist, with their ``cid``.

Errors have XRPC's shape ``{"error": name, "message": text}``: ``AuthenticationRequired`` (401,
bad credentials or token), ``ExpiredToken`` (400, a lapsed access or refresh JWT),
``InvalidRequest`` (400: a text over 300 graphemes, a facet outside the text's bytes, an image
over 1,000,000 bytes, more than 4 images), ``RateLimitExceeded`` (429 with ``ratelimit-limit``,
``ratelimit-remaining``, ``ratelimit-reset`` in epoch seconds and ``ratelimit-policy``).

Video, as Bluesky's video service answers it (served here too; ``config`` points
``video_service_url`` at this server): ``com.atproto.server.getServiceAuth`` (with the access
JWT; ``aud`` must be this PDS as ``did:web:<host>`` and ``lxm`` ``com.atproto.repo.uploadBlob``)
gives a service token; ``app.bsky.video.uploadVideo?did=&name=`` takes the MP4 with that token
only (``VideoTooLarge`` above ``max_video_bytes``; the same bytes again: 409
``already_exists`` naming the earlier job) and answers a job;
``app.bsky.video.getJobStatus?jobId=`` answers ``JOB_STATE_PROCESSING`` ``video_processing``
times, then ``JOB_STATE_COMPLETED`` with the video's blob (or ``JOB_STATE_FAILED`` with
``video_processing_error``); a post's ``app.bsky.embed.video`` must name that blob, and its
captions ``text/vtt`` blobs of at most 20 kB.

JWTs are real-shaped (``header.payload.signature``, base64url JSON with ``exp``), unsigned.
"""

import base64
import json
import secrets
import time
from datetime import UTC, datetime

import regex

from .base import ChannelServer, RecordedRequest, Reply, now

DID = "did:plc:comuneesempio0000000000"
HANDLE = "comune.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
GRAPHEME_LIMIT = 300
BLOB_LIMIT = 1_000_000
ACCESS_SECONDS = 2 * 3600
REFRESH_SECONDS = 60 * 86400
# Other accounts whose handles resolve (mentions); any other handle is unknown.
KNOWN_HANDLES = {"sindaco.bsky.social": "did:plc:sindaco00000000000000000"}


def now_ms() -> int:
    return int(time.time() * 1000)


def _iso(ms: int) -> str:
    """Epoch milliseconds as Bluesky writes moments: ``2026-12-07T09:00:00.123Z``."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def make_jwt(scope: str, *, expires_in: int) -> str:
    header = {"typ": "at+jwt" if scope == "access" else "refresh+jwt", "alg": "ES256K"}
    payload = {
        "scope": "com.atproto.access" if scope == "access" else "com.atproto.refresh",
        "sub": DID,
        "iat": now(),
        "exp": now() + expires_in,
        "jti": secrets.token_hex(8),
    }
    return f"{_b64(header)}.{_b64(payload)}.{secrets.token_urlsafe(16)}"


def _error(status: int, error: str, message: str, headers=None) -> Reply:
    return Reply(status, {"error": error, "message": message}, headers or {})


class BlueskyServer(ChannelServer):
    kind = "bluesky"

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)
        # The token the adapter is given in tests (``server.token``) is a live access JWT.
        self.token = kwargs.get("token") or self._new_session()["accessJwt"]

    def _reset_state(self):
        self.access: dict[str, int] = {}  # access JWT -> expiry
        self.refresh: dict[str, int] = {}  # live refresh JWT -> expiry (spent ones removed)
        self.blobs: dict[str, int] = {}  # cid -> size
        self.access_seconds = ACCESS_SECONDS
        self.pds_url = ""  # "" = this server; otherwise the DID document names another PDS
        self.notifications: list[dict] = []  # oldest first; served newest first
        self.citizen_posts: dict[str, dict] = {}  # uri -> post view (others' posts)
        self.seen_at = ""
        self.service_tokens: dict[str, dict] = {}  # service JWT -> {"aud", "lxm", "exp"}
        self.jobs: dict[str, dict] = {}  # jobId -> {"data", "polls", "blob"}
        self.video_processing = 2
        self.video_processing_error = ""
        self.max_video_bytes = 100 * 1024 * 1024

    def reset(self):
        token = self.token
        super().reset()
        self.access[token] = now() + ACCESS_SECONDS  # the test token stays valid

    @property
    def config(self) -> dict:
        return {
            "base_url": self.base_url,
            "did": DID,
            "read_timeout": 3,
            "video_service_url": self.base_url,
        }

    def server_error(self):
        return _error(500, "InternalServerError", "Internal Server Error")

    def rate_limited(self, retry_after):
        return _error(
            429,
            "RateLimitExceeded",
            "Rate Limit Exceeded",
            {
                "ratelimit-limit": "5000",
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(now() + int(retry_after)),
                "ratelimit-policy": "5000;w=3600",
            },
        )

    # --- test helpers ---------------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        with self._lock:
            for token in self.access:
                self.access[token] = now() - 1

    def add_notification(
        self,
        text: str,
        *,
        reason: str = "mention",
        parent: str = "",
        handle: str = "mario.bsky.social",
        name: str = "Mario Rossi",
    ) -> dict:
        """A citizen's post that mentions us, or (``parent``: a post's at-uri) replies to one
        of ours or to another message; returns its notification."""
        with self._lock:
            n = self.next_id()
            author = {"did": f"did:plc:citizen{n:018d}", "handle": handle, "displayName": name}
            uri = f"at://{author['did']}/app.bsky.feed.post/3lc{n:010d}"
            record = {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": _iso(now_ms() - 1000),
            }
            if parent:
                parent_view = self._post_view(parent)
                parent_ref = {"uri": parent, "cid": parent_view["cid"] if parent_view else ""}
                root = ((parent_view or {}).get("record") or {}).get("reply", {}).get("root")
                record["reply"] = {"root": root or parent_ref, "parent": parent_ref}
            cid = "bafyreicitizen" + secrets.token_hex(16)
            self.citizen_posts[uri] = {"uri": uri, "cid": cid, "author": author, "record": record}
            notification = {
                "uri": uri,
                "cid": cid,
                "author": author,
                "reason": reason,
                "record": record,
                "isRead": False,
                # Distinct, increasing moments, as the AppView indexes them.
                "indexedAt": _iso(now_ms() + n),
                "labels": [],
            }
            if parent:
                notification["reasonSubject"] = parent
            self.notifications.append(notification)
            return notification

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self.refresh.clear()

    # --- the API --------------------------------------------------------------------------

    def _new_session(self) -> dict:
        access = make_jwt("access", expires_in=self.access_seconds)
        refresh = make_jwt("refresh", expires_in=REFRESH_SECONDS)
        self.access[access] = now() + self.access_seconds
        self.refresh[refresh] = now() + REFRESH_SECONDS
        return {
            "did": DID,
            "handle": HANDLE,
            "accessJwt": access,
            "refreshJwt": refresh,
            "active": True,
            "didDoc": {
                "id": DID,
                "alsoKnownAs": [f"at://{HANDLE}"],
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": self.pds_url or self.base_url,
                    }
                ],
            },
        }

    def _bearer(self, request: RecordedRequest) -> str:
        header = request.header("authorization") or ""
        return header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""

    def _authorised(self, request: RecordedRequest) -> Reply | None:
        token = self._bearer(request)
        if token not in self.access:
            return _error(401, "AuthenticationRequired", "Invalid identifier or password")
        if self.access[token] <= now():
            return _error(400, "ExpiredToken", "Token has expired")
        return None

    def handle(self, request: RecordedRequest) -> Reply:
        method = request.path.removeprefix("/xrpc/")
        if method == "com.atproto.server.createSession":
            body = request.json if isinstance(request.json, dict) else {}
            identifier = str(body.get("identifier", "")).lower()
            if identifier not in (HANDLE, DID) or body.get("password") != APP_PASSWORD:
                return _error(401, "AuthenticationRequired", "Invalid identifier or password")
            return Reply(200, self._new_session())
        if method == "com.atproto.server.refreshSession":
            token = self._bearer(request)
            if token not in self.refresh:
                return _error(400, "ExpiredToken", "Token has been revoked")
            if self.refresh.pop(token) <= now():  # spent either way: refresh tokens rotate
                return _error(400, "ExpiredToken", "Token has expired")
            session = self._new_session()
            session.pop("didDoc")
            return Reply(200, session)
        if method in ("app.bsky.video.uploadVideo", "app.bsky.video.getJobStatus"):
            return self._video_service(method, request)
        refused = self._authorised(request)
        if refused is not None:
            return refused
        if method == "com.atproto.server.getServiceAuth":
            host = self.base_url.split("://", 1)[1].rsplit(":", 1)[0]
            if request.field("aud") != f"did:web:{host}":
                return _error(400, "BadExpiration", "aud must be this PDS")
            token = make_jwt("access", expires_in=1800)
            self.service_tokens[token] = {
                "aud": request.field("aud"),
                "lxm": request.field("lxm"),
                "exp": int(request.field("exp") or 0),
            }
            return Reply(200, {"token": token})
        if method == "com.atproto.server.getSession":
            return Reply(200, {"did": DID, "handle": HANDLE, "active": True})
        if method == "com.atproto.identity.resolveHandle":
            did = KNOWN_HANDLES.get(request.field("handle", "")) or (
                DID if request.field("handle") == HANDLE else None
            )
            if did is None:
                return _error(400, "InvalidRequest", "Unable to resolve handle")
            return Reply(200, {"did": did})
        if method == "com.atproto.repo.uploadBlob":
            if len(request.body) > BLOB_LIMIT:
                return _error(400, "InvalidRequest", "request entity too large")
            cid = "bafkrei" + secrets.token_hex(20)
            self.blobs[cid] = len(request.body)
            mime = request.header("content-type") or "*/*"
            return Reply(
                200,
                {
                    "blob": {
                        "$type": "blob",
                        "ref": {"$link": cid},
                        "mimeType": mime,
                        "size": len(request.body),
                    }
                },
            )
        if method == "app.bsky.notification.listNotifications":
            return self._list_notifications(request)
        if method == "app.bsky.notification.updateSeen":
            seen = (request.json or {}).get("seenAt") if isinstance(request.json, dict) else None
            if not isinstance(seen, str) or not seen:
                return _error(400, "InvalidRequest", 'Input must have the property "seenAt"')
            self.seen_at = seen
            return Reply(200, {})
        if method == "app.bsky.feed.getPosts":
            return self._get_posts(request)
        if method == "app.bsky.actor.getProfile":
            if request.field("actor") not in (DID, HANDLE):
                return _error(400, "InvalidRequest", "Profile not found")
            return Reply(
                200,
                {
                    "did": DID,
                    "handle": HANDLE,
                    "displayName": "Comune di Esempio",
                    "followersCount": self.followers,
                    "followsCount": 12,
                    "postsCount": len(self.items),
                },
            )
        if method == "com.atproto.repo.createRecord":
            return self._create(request)
        if method == "com.atproto.repo.deleteRecord":
            body = request.json or {}
            uri = f"at://{body.get('repo')}/{body.get('collection')}/{body.get('rkey')}"
            self.items[:] = [item for item in self.items if item["uri"] != uri]
            return Reply(200, {})
        return _error(501, "MethodNotImplemented", "Method Not Implemented")

    def _list_notifications(self, request: RecordedRequest) -> Reply:
        try:
            limit = int(request.field("limit", 50))
        except ValueError:
            return _error(400, "InvalidRequest", "limit must be an integer")
        if not 1 <= limit <= 100:
            return _error(400, "InvalidRequest", "limit must be between 1 and 100")
        reasons = set(request.query.get("reasons", []))
        newest_first = [
            n for n in reversed(self.notifications) if not reasons or n["reason"] in reasons
        ]
        start = int(request.field("cursor") or 0)  # opaque to clients: an offset here
        page = newest_first[start : start + limit]
        body = {"notifications": [{**n, "isRead": n["indexedAt"] <= self.seen_at} for n in page]}
        if start + limit < len(newest_first):
            body["cursor"] = str(start + limit)
        if self.seen_at:
            body["seenAt"] = self.seen_at
        return Reply(200, body)

    def _post_view(self, uri: str) -> dict | None:
        if uri in self.citizen_posts:
            return self.citizen_posts[uri]
        item = next((i for i in self.items if i["uri"] == uri), None)
        if item is None:
            return None
        return {"uri": uri, "cid": item["cid"], "record": item["record"]}

    def _get_posts(self, request: RecordedRequest) -> Reply:
        uris = request.query.get("uris", [])  # repeated: ?uris=a&uris=b
        if not uris or len(uris) > 25:
            return _error(400, "InvalidRequest", "uris must have between 1 and 25 items")
        posts = []
        for uri in uris:
            view = self._post_view(uri)
            if view is None:
                continue
            figures = self.figures_of(uri)
            posts.append(
                {
                    "uri": uri,
                    "cid": view["cid"],
                    "author": view.get("author") or {"did": DID, "handle": HANDLE},
                    "record": view["record"],
                    "likeCount": figures["reactions"],
                    "repostCount": figures["shares"] - figures["shares"] // 4,
                    "quoteCount": figures["shares"] // 4,
                    "replyCount": figures["comments"],
                    "indexedAt": view["record"].get("createdAt"),
                }
            )
        return Reply(200, {"posts": posts})

    def _create(self, request: RecordedRequest) -> Reply:
        body = request.json if isinstance(request.json, dict) else {}
        if body.get("repo") != DID:
            return _error(400, "InvalidRequest", "Invalid repo")
        if body.get("collection") != "app.bsky.feed.post":
            return _error(400, "InvalidRequest", "Invalid collection")
        record = body.get("record") or {}
        text = record.get("text")
        if not isinstance(text, str) or not record.get("createdAt"):
            return _error(400, "InvalidRequest", "Invalid app.bsky.feed.post record")
        if len(regex.findall(r"\X", text)) > GRAPHEME_LIMIT:
            return _error(
                400,
                "InvalidRequest",
                f"Invalid app.bsky.feed.post record: Record/text must not be longer than "
                f"{GRAPHEME_LIMIT} graphemes",
            )
        size = len(text.encode("utf-8"))
        for facet in record.get("facets") or []:
            index = facet.get("index") or {}
            start, end = index.get("byteStart"), index.get("byteEnd")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= size):
                return _error(400, "InvalidRequest", "Invalid facet byte range")
        embed = record.get("embed") or {}
        if embed.get("$type") == "app.bsky.embed.images":
            images = embed.get("images") or []
            if len(images) > 4:
                return _error(
                    400, "InvalidRequest", "Record/embed/images must not have more than 4 elements"
                )
            for image in images:
                cid = ((image.get("image") or {}).get("ref") or {}).get("$link")
                if cid not in self.blobs or "alt" not in image:
                    return _error(400, "InvalidRequest", "Could not find blob")
        reply = record.get("reply")
        if reply is not None:
            for name in ("root", "parent"):
                ref = reply.get(name) if isinstance(reply, dict) else None
                view = self._post_view(ref.get("uri", "")) if isinstance(ref, dict) else None
                if view is None or ref.get("cid") != view["cid"]:
                    return _error(
                        400, "InvalidRequest", f"Invalid app.bsky.feed.post record: reply/{name}"
                    )
        if embed.get("$type") == "app.bsky.embed.video":
            blob = embed.get("video") or {}
            cid = (blob.get("ref") or {}).get("$link")
            if cid not in self.blobs or blob.get("mimeType") != "video/mp4":
                return _error(400, "InvalidRequest", "Could not find blob")
            for caption in embed.get("captions") or []:
                file = caption.get("file") or {}
                if (
                    (file.get("ref") or {}).get("$link") not in self.blobs
                    or file.get("mimeType") != "text/vtt"
                    or file.get("size", 0) > 20_000
                    or not caption.get("lang")
                ):
                    return _error(400, "InvalidRequest", "Invalid caption")
        rkey = "3l" + secrets.token_hex(6)[:11]
        uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
        cid = "bafyrei" + secrets.token_hex(20)
        self.items.append({"id": uri, "uri": uri, "cid": cid, "text": text, "record": record})
        return Reply(200, {"uri": uri, "cid": cid})

    def _video_service(self, method: str, request: RecordedRequest) -> Reply:
        if method == "app.bsky.video.getJobStatus":
            job_id = request.field("jobId", "")
            job = self.jobs.get(job_id)
            if job is None:
                return _error(404, "NotFound", "Job not found")
            status = {"jobId": job_id, "did": DID, "state": "JOB_STATE_PROCESSING"}
            if self.video_processing_error:
                status.update(
                    state="JOB_STATE_FAILED", error="failed", message=self.video_processing_error
                )
            elif job["polls"] >= self.video_processing:
                status.update(state="JOB_STATE_COMPLETED", progress=100, blob=job["blob"])
                self.blobs[job["blob"]["ref"]["$link"]] = job["blob"]["size"]  # usable now
            else:
                status["progress"] = 50
            job["polls"] += 1
            return Reply(200, {"jobStatus": status})
        grant = self.service_tokens.get(self._bearer(request))
        if grant is None or grant["lxm"] != "com.atproto.repo.uploadBlob":
            return _error(401, "AuthenticationRequired", "Service auth token required")
        if grant["exp"] <= now():
            return _error(400, "ExpiredToken", "Token has expired")
        if request.field("did") != DID or not request.field("name"):
            return _error(400, "InvalidRequest", "did and name are required")
        if len(request.body) > self.max_video_bytes:
            return _error(400, "VideoTooLarge", "Video is too large")
        if not request.body:
            return _error(400, "InvalidRequest", "Empty video")
        for known_id, known in self.jobs.items():
            if known["data"] == request.body:  # the video service dedupes by content
                reply = _error(409, "already_exists", "Video already processed")
                reply.body["jobId"] = known_id
                return reply
        job_id = secrets.token_hex(8)
        cid = "bafkrei" + secrets.token_hex(20)
        blob = {
            "$type": "blob",
            "ref": {"$link": cid},
            "mimeType": "video/mp4",
            "size": len(request.body),
        }
        self.jobs[job_id] = {"data": request.body, "polls": 0, "blob": blob}
        return Reply(200, {"jobId": job_id, "did": DID, "state": "JOB_STATE_CREATED"})

    def facet_texts(self, item: dict) -> list[tuple[str, str]]:
        """Each facet of a published post as (the text it spans, what it links to), cut from
        the UTF-8 bytes as Bluesky's app does."""
        data = item["text"].encode("utf-8")
        spans = []
        for facet in item["record"].get("facets") or []:
            index, feature = facet["index"], facet["features"][0]
            value = feature.get("uri") or feature.get("did") or feature.get("tag")
            spans.append((data[index["byteStart"] : index["byteEnd"]].decode("utf-8"), value))
        return spans
