"""X API v2: POST /2/tweets, DELETE /2/tweets/:id; problem-JSON errors; 429 with
x-rate-limit-reset (epoch seconds) and no Retry-After."""

import re
import unicodedata

import regex

from .base import ChannelServer, RecordedRequest, Reply, bearer_ok, now


def _weight(cluster: str) -> int:
    """One grapheme as X weighs it: an emoji 2; otherwise each code point 1 in twitter-text's
    light ranges (Latin … Devanagari, general punctuation), 2 elsewhere (CJK…)."""
    emoji = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0xFE0F, 0xFE0F))
    if any(lo <= ord(c) <= hi for c in cluster for lo, hi in emoji):
        return 2
    light = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
    return sum(1 if any(lo <= ord(c) <= hi for lo, hi in light) else 2 for c in cluster)


def weighted_length(text: str) -> int:
    """X's count (twitter-text 3 weightedLength): every URL is a 23-character t.co link, emoji
    and CJK weigh 2 (kept apart from the adapter's code)."""
    text = unicodedata.normalize("NFC", re.sub(r"https?://\S+", "\x00" * 23, text))
    return sum(_weight(cluster) for cluster in regex.findall(r"\X", text))


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

    def _reset_state(self):
        self.media: dict[str, dict] = {}

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def _media(self, request: RecordedRequest) -> Reply | None:
        """Media upload v2: initialize -> append (segments) -> finalize; alt text by metadata."""
        path = request.path
        if path == "/2/media/upload/initialize":
            body = request.json if isinstance(request.json, dict) else {}
            total = body.get("total_bytes")
            if not isinstance(total, int) or total <= 0 or total > 5 * 1024 * 1024:
                return _problem(400, "Invalid Request", "total_bytes must be 1 to 5242880")
            if body.get("media_category") != "tweet_image" or not str(
                body.get("media_type", "")
            ).startswith("image/"):
                return _problem(400, "Invalid Request", "Unsupported media_type or category")
            media_id = str(1900000000000000000 + self.next_id())
            self.media[media_id] = {"total": total, "segments": {}, "final": False, "alt": ""}
            return Reply(200, {"data": {"id": media_id, "expires_after_secs": 86400}})
        parts = path.split("/")
        if path.startswith("/2/media/upload/") and len(parts) == 6:
            media = self.media.get(parts[4])
            if media is None:
                return _problem(400, "Invalid Request", "Unknown media id")
            if parts[5] == "append":
                upload = request.files.get("media")
                if upload is None or request.field("segment_index") is None:
                    return _problem(400, "Invalid Request", "media and segment_index required")
                media["segments"][int(request.field("segment_index"))] = upload.data
                return Reply(200, {"data": {"expires_at": now() + 86400}})
            if parts[5] == "finalize":
                size = sum(len(d) for d in media["segments"].values())
                if size != media["total"]:
                    return _problem(400, "Invalid Request", "File size does not match")
                media["final"] = True
                return Reply(200, {"data": {"id": parts[4], "size": size}})
        if path == "/2/media/metadata":
            body = request.json if isinstance(request.json, dict) else {}
            media = self.media.get(str(body.get("id")))
            if media is None:
                return _problem(400, "Invalid Request", "Unknown media id")
            media["alt"] = (((body.get("metadata") or {}).get("alt_text")) or {}).get("text", "")
            return Reply(200, {"data": {"id": body.get("id"), "associated_metadata": True}})
        return None

    def handle(self, request: RecordedRequest) -> Reply:
        if not bearer_ok(request, self.token):
            return _problem(401, "Unauthorized", "Unauthorized")
        if request.method == "POST" and request.path.startswith("/2/media/"):
            return self._media(request) or _problem(404, "Not Found Error", "Not found")
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
            media_ids = ((request.json or {}).get("media") or {}).get("media_ids") or []
            if len(media_ids) > 4 or any(not self.media.get(m, {}).get("final") for m in media_ids):
                return _problem(400, "Invalid Request", "Your media IDs are invalid.")
            tweet_id = str(1800000000000000000 + self.next_id())
            self.items.append(
                {
                    "id": tweet_id,
                    "text": text,
                    "images": [
                        {
                            "data": b"".join(
                                d for _i, d in sorted(self.media[m]["segments"].items())
                            ),
                            "alt": self.media[m]["alt"],
                        }
                        for m in media_ids
                    ],
                }
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
