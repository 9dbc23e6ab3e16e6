"""X API v2: POST /2/tweets, DELETE /2/tweets/:id; problem-JSON errors; 429 with
x-rate-limit-reset (epoch seconds) and no Retry-After.

For the inbox: citizens' mentions (:meth:`XServer.add_mention`) in
``GET /2/users/:id/mentions`` (newest first, ``since_id``, ``max_results``, ``pagination_token``
and ``meta.next_token``), replies (``reply.in_reply_to_tweet_id``) and hiding a reply
(``PUT /2/tweets/:id/hidden``)."""

import re

from .base import ChannelServer, RecordedRequest, Reply, bearer_ok, now


def weighted_length(text: str) -> int:
    """X's count: every URL is a 23-character t.co link (kept apart from the adapter's code)."""
    return len(re.sub(r"https?://\S+", "x" * 23, text))


def _problem(status: int, title: str, detail: str, **extra) -> Reply:
    return Reply(
        status, {"title": title, "detail": detail, "type": "about:blank", "status": status, **extra}
    )


class XServer(ChannelServer):
    kind = "x"
    default_token = "x-oauth2-user-test-token-0123456789"
    user_id = "42"

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def _reset_state(self):
        self.mentions: list[dict] = []
        self.users: dict[str, dict] = {}
        self.hidden: set[str] = set()

    def add_mention(
        self,
        text: str,
        *,
        username: str = "cittadina",
        name: str = "Anna Verdi",
        in_reply_to: str | None = None,
    ) -> dict:
        with self._lock:
            user_id = str(abs(hash(username)) % 10**9)
            self.users[user_id] = {"id": user_id, "username": username, "name": name}
            tweet_id = str(1900000000000000000 + self.next_id())
            tweet = {
                "id": tweet_id,
                "text": f"@ComuneEsempio {text}",
                "author_id": user_id,
                "created_at": "2026-12-07T08:00:00.000Z",
                "conversation_id": in_reply_to or tweet_id,
            }
            if in_reply_to:
                tweet["referenced_tweets"] = [{"type": "replied_to", "id": in_reply_to}]
            self.mentions.append(tweet)
            return tweet

    def _mentions(self, request):
        try:
            size = int(request.field("max_results", 10))
        except ValueError:
            size = 0
        if not 5 <= size <= 100:
            return _problem(400, "Invalid Request", "max_results must be between 5 and 100")
        rows = sorted(self.mentions, key=lambda t: int(t["id"]), reverse=True)
        since = request.field("since_id")
        if since:
            rows = [t for t in rows if int(t["id"]) > int(since)]
        token = request.field("pagination_token")
        if token:
            rows = [t for t in rows if int(t["id"]) < int(token)]
        page, rest = rows[:size], rows[size:]
        meta = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if rest:
            meta["next_token"] = page[-1]["id"]
        users = [self.users[t["author_id"]] for t in page]
        body = {"meta": meta}
        if page:
            body.update(data=page, includes={"users": users})
        return Reply(200, body)

    def server_error(self):
        return _problem(503, "Service Unavailable", "Service Unavailable")

    def rate_limited(self, retry_after):
        reply = _problem(429, "Too Many Requests", "Too Many Requests")
        reply.headers.update(
            {
                "x-rate-limit-limit": "100",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(now() + int(retry_after)),
            }
        )
        return reply

    def handle(self, request: RecordedRequest) -> Reply:
        if not bearer_ok(request, self.token):
            return _problem(401, "Unauthorized", "Unauthorized")
        if request.method == "GET" and request.path == "/2/users/me":
            return Reply(200, {"data": {"id": "42", "name": "Comune", "username": "ComuneEsempio"}})
        if request.method == "GET" and request.path == f"/2/users/{self.user_id}/mentions":
            return self._mentions(request)
        if request.method == "PUT" and request.path.endswith("/hidden"):
            tweet_id = request.path.split("/")[-2]
            if not any(t["id"] == tweet_id for t in self.mentions):
                return _problem(404, "Not Found Error", "Not found")
            self.hidden.add(tweet_id)
            return Reply(200, {"data": {"hidden": True}})
        if request.method == "POST" and request.path == "/2/tweets":
            text = (request.json or {}).get("text", "") if isinstance(request.json, dict) else ""
            if not text or weighted_length(text) > 280:
                return Reply(
                    400,
                    {
                        "errors": [{"message": "Tweet text is empty or too long"}],
                        "title": "Invalid Request",
                        "detail": "One or more parameters to your request was invalid.",
                        "type": "https://api.twitter.com/2/problems/invalid-request",
                    },
                )
            if any(item["text"] == text for item in self.items):
                return _problem(
                    403,
                    "Forbidden",
                    "You are not allowed to create a Tweet with duplicate content.",
                )
            tweet_id = str(1800000000000000000 + self.next_id())
            reply = (request.json or {}).get("reply") or {}
            self.items.append(
                {"id": tweet_id, "text": text, "in_reply_to": reply.get("in_reply_to_tweet_id")}
            )
            return Reply(
                201, {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}}
            )
        if request.method == "DELETE" and request.path.startswith("/2/tweets/"):
            tweet_id = request.path.rsplit("/", 1)[-1]
            item = next((i for i in self.items if i["id"] == tweet_id), None)
            if item is not None:
                self.items.remove(item)
            return Reply(200, {"data": {"deleted": item is not None}})
        return _problem(404, "Not Found Error", "Not found")
