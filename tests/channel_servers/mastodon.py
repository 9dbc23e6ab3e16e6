"""Mastodon: statuses, media, Idempotency-Key (same key -> the same status, no duplicate)."""

from datetime import UTC, datetime, timedelta

from .base import ChannelServer, RecordedRequest, Reply, bearer_ok

CHAR_LIMIT = 500


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
            return Reply(200, {"id": "1", "acct": "comune", "display_name": "Comune di Esempio"})
        if request.method == "GET" and request.path.startswith("/api/v1/media/"):
            media_id = request.path.rsplit("/", 1)[-1]
            if media_id not in self.media:
                return Reply(404, {"error": "Record not found"})
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
        return Reply(404, {"error": "Record not found"})

    def _media(self, request):
        upload = request.files.get("file")
        if upload is None or not upload.data:
            return Reply(422, {"error": "Validation failed: File can't be blank"})
        media_id = str(100000 + self.next_id())
        self.media[media_id] = {
            "id": media_id,
            "type": "image",
            "url": f"{self.base_url}/media/{media_id}",
            "description": request.field("description", ""),
        }
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
        status = {
            "id": status_id,
            "url": f"{self.base_url}/@comune/{status_id}",
            "uri": f"{self.base_url}/users/comune/statuses/{status_id}",
            "text": text,
            "content": f"<p>{text}</p>",
            "visibility": request.field("visibility", "public"),
            "language": request.field("language"),
            "media_attachments": [self.media[m] for m in media_ids],
            "idempotency_key": key,
        }
        self.items.append(status)
        if key:
            self.by_key[key] = status
        return Reply(200, status)
