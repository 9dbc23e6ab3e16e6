"""X API v2: POST /2/tweets, DELETE /2/tweets/:id; problem-JSON errors; 429 with
x-rate-limit-reset (epoch seconds) and no Retry-After."""

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
            user = {"id": "42", "name": "Comune", "username": "ComuneEsempio"}
            if "public_metrics" in (request.field("user.fields") or ""):
                user["public_metrics"] = {
                    "followers_count": self.followers,
                    "following_count": 210,
                    "tweet_count": 3400,
                    "listed_count": 55,
                }
            return Reply(200, {"data": user})
        if request.method == "GET" and request.path.startswith("/2/tweets/"):
            return self._tweet(request.path.rsplit("/", 1)[-1], request)
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
            self.items.append({"id": tweet_id, "text": text})
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

    def _tweet(self, tweet_id: str, request: RecordedRequest) -> Reply:
        """GET /2/tweets/:id: a deleted or unknown post answers 200 with ``errors``."""
        item = self.item(tweet_id)
        if item is None:
            return Reply(
                200,
                {
                    "errors": [
                        {
                            "value": tweet_id,
                            "detail": f"Could not find tweet with id: [{tweet_id}].",
                            "title": "Not Found Error",
                            "resource_type": "tweet",
                            "parameter": "id",
                            "resource_id": tweet_id,
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    ]
                },
            )
        data = {"id": tweet_id, "text": item["text"], "edit_history_tweet_ids": [tweet_id]}
        if "public_metrics" in (request.field("tweet.fields") or ""):
            figures = self.figures_of(tweet_id)
            data["public_metrics"] = {
                "retweet_count": figures["shares"] - figures["shares"] // 4,
                "reply_count": figures["comments"],
                "like_count": figures["reactions"],
                "quote_count": figures["shares"] // 4,
                "bookmark_count": figures["reactions"] // 10,
                "impression_count": figures["impressions"],
            }
        return Reply(200, {"data": data})
