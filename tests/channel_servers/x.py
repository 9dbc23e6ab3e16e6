"""X API v2: POST /2/tweets, DELETE /2/tweets/:id; problem-JSON errors; 429 with
x-rate-limit-reset (epoch seconds) and no Retry-After.

For the inbox: citizens' mentions (:meth:`XServer.add_mention`) in
``GET /2/users/:id/mentions`` (newest first, ``since_id``, ``max_results``, ``pagination_token``
and ``meta.next_token``), replies (``reply.in_reply_to_tweet_id``) and hiding a reply
(``PUT /2/tweets/:id/hidden``)."""

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
    user_id = "42"

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def _reset_state(self):
        self.mentions: list[dict] = []
        self.users: dict[str, dict] = {}
        self.hidden: set[str] = set()
        self.media: dict[str, dict] = {}
        # Chunked video upload (X API v2 "Media upload": initialize, append, finalize, status).
        # ``video_processing``: how many STATUS reads answer in_progress before succeeded;
        # ``video_processing_error``: a text makes processing end in "failed" with it;
        # ``max_video_bytes``: initialize refuses a larger total_bytes (X: 512 MB).
        self.uploads: dict[str, dict] = {}
        self.video_processing = 2
        self.video_processing_error = ""
        self.max_video_bytes = 512 * 1024 * 1024
        # Subtitles (X's documented flow): the file through the chunked upload with
        # ``media_category=subtitles`` (``text/srt``), then ``POST /2/media/subtitles``
        # ({"id": video, "media_category": "TweetVideo", "subtitles": {"id", "language_code",
        # "display_name"}}). ``subtitles_error``: a text makes the association answer 400 with
        # it (as X does for a file it cannot read).
        self.subtitles_error = ""

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

    def _media(self, request: RecordedRequest) -> Reply | None:
        """Media upload v2: images (``tweet_image``) and videos (``tweet_video``):
        initialize -> append (segments) -> finalize (-> STATUS for a video); alt text by
        metadata. None when the request is not one of these steps."""
        path = request.path
        if request.method == "POST" and path == "/2/media/upload/initialize":
            body = request.json if isinstance(request.json, dict) else {}
            if body.get("media_category") == "tweet_video":
                return self._video_media(request)
            if body.get("media_category") == "subtitles":
                return self._subtitles_media(request)
            return self._image_media(request)
        if request.method == "POST" and path == "/2/media/subtitles":
            return self._subtitles_media(request)
        match = re.fullmatch(r"/2/media/upload/(\d+)/(append|finalize)", path)
        if request.method == "POST" and match and match[1] in self.uploads:
            return self._video_media(request)
        if request.method == "GET" and path == "/2/media/upload":
            return self._video_media(request)
        if request.method == "POST" and path == "/2/media/metadata":
            body = request.json if isinstance(request.json, dict) else {}
            if str(body.get("id", "")) in self.uploads:
                return self._video_media(request)
        if request.method == "POST" and path.startswith("/2/media/"):
            return self._image_media(request) or _problem(404, "Not Found Error", "Not found")
        return None

    def _image_media(self, request):
        """Image upload: initialize -> append (segments) -> finalize; alt text by metadata."""
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

    def _subtitles_media(self, request):
        """Subtitles: initialize (``subtitles``, ``text/srt`` or ``text/vtt``), then the same
        append and finalize as an image (``self.media``), then the association with a video
        that finished processing. Errors as X's problem JSON (400)."""
        body = request.json if isinstance(request.json, dict) else {}
        if request.path == "/2/media/upload/initialize":
            total = body.get("total_bytes")
            if not isinstance(total, int) or total <= 0:
                return _problem(400, "Invalid Request", "total_bytes must be positive")
            if body.get("media_type") not in ("text/srt", "text/vtt"):
                return _problem(400, "Invalid Request", "Unsupported media_type for subtitles")
            media_id = str(1900000000000000000 + self.next_id())
            self.media[media_id] = {
                "total": total, "segments": {}, "final": False, "alt": "",
                "subtitles": body["media_type"],
            }  # fmt: skip
            return Reply(200, {"data": {"id": media_id, "expires_after_secs": 86400}})
        video = self.uploads.get(str(body.get("id", "")))
        info = body.get("subtitles") if isinstance(body.get("subtitles"), dict) else {}
        track = self.media.get(str(info.get("id", "")))
        language = str(info.get("language_code", ""))
        if video is None or body.get("media_category") != "TweetVideo":
            return _problem(400, "Invalid Request", "id must be a video uploaded as tweet_video")
        if track is None or not track.get("subtitles") or not track["final"]:
            return _problem(400, "Invalid Request", "subtitles.id must be finalized subtitles")
        if not re.fullmatch(r"[A-Za-z]{2}", language):
            return _problem(400, "Invalid Request", "language_code must be a BCP47 code")
        data = b"".join(d for _i, d in sorted(track["segments"].items()))
        if self.subtitles_error:
            return _problem(400, "Invalid Request", self.subtitles_error)
        if track["subtitles"] == "text/srt" and not re.search(
            rb"^\d+\r?\n\d\d:\d\d:\d\d,\d{3} --> ", data
        ):
            return _problem(400, "Invalid Request", "Subtitles file is not valid SRT")
        entry = {
            "id": info["id"],
            "language_code": language,
            "display_name": info.get("display_name", ""),
            "data": data,
        }
        video.setdefault("subtitles", []).append(entry)
        associated = [{k: v for k, v in e.items() if k != "data"} for e in video["subtitles"]]
        return Reply(
            200,
            {"data": {"id": body["id"], "media_category": "TweetVideo",
                      "associated_subtitles": associated}},
        )  # fmt: skip

    def _video_media(self, request):
        """The video upload's steps."""
        path = request.path
        if request.method == "POST" and path == "/2/media/upload/initialize":
            body = request.json if isinstance(request.json, dict) else {}
            total = int(body.get("total_bytes") or 0)
            if body.get("media_category") != "tweet_video" or not total:
                return _problem(400, "Invalid Request", "media_category and total_bytes needed")
            if total > self.max_video_bytes:
                return _problem(400, "Invalid Request", "File size exceeds 536870912 bytes.")
            media_id = str(1900000000000000000 + self.next_id())
            self.uploads[media_id] = {
                "total": total, "segments": {}, "finalized": False, "polls": 0,
                "media_type": body.get("media_type"), "alt_text": "",
            }  # fmt: skip
            return Reply(200, {"data": {"id": media_id, "expires_after_secs": 86400}})
        match = re.fullmatch(r"/2/media/upload/(\d+)/(append|finalize)", path)
        if request.method == "POST" and match:
            upload = self.uploads.get(match[1])
            if upload is None:
                return _problem(400, "Invalid Request", "Unknown media id")
            if match[2] == "append":
                chunk = request.files.get("media")
                index = request.field("segment_index")
                if chunk is None or index is None:
                    return _problem(400, "Invalid Request", "media and segment_index needed")
                upload["segments"][int(index)] = chunk.data
                return Reply(200, {})
            data = b"".join(upload["segments"][i] for i in sorted(upload["segments"]))
            if len(data) != upload["total"]:
                return _problem(400, "Invalid Request", "Segments do not add up to total_bytes")
            upload["finalized"], upload["data"] = True, data
            return Reply(200, {"data": {"id": match[1], "processing_info": {
                "state": "pending", "check_after_secs": 1}}})  # fmt: skip
        if request.method == "GET" and path == "/2/media/upload":
            upload = self.uploads.get(str(request.field("media_id", "")))
            if upload is None or request.field("command") != "STATUS":
                return _problem(400, "Invalid Request", "Unknown media id")
            upload["polls"] += 1
            if self.video_processing_error:
                info = {"state": "failed", "error": {"message": self.video_processing_error}}
            elif upload["polls"] <= self.video_processing:
                info = {"state": "in_progress", "check_after_secs": 1, "progress_percent": 50}
            else:
                info = {"state": "succeeded", "progress_percent": 100}
            return Reply(200, {"data": {"id": request.field("media_id"), "processing_info": info}})
        if request.method == "POST" and path == "/2/media/metadata":
            body = request.json if isinstance(request.json, dict) else {}
            upload = self.uploads.get(str(body.get("id", "")))
            if upload is None:
                return _problem(400, "Invalid Request", "Unknown media id")
            upload["alt_text"] = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
            return Reply(200, {"data": {"associated_metadata": True}})
        return None

    def handle(self, request: RecordedRequest) -> Reply:
        if not bearer_ok(request, self.token):
            return _problem(401, "Unauthorized", "Unauthorized")
        media = self._media(request)
        if media is not None:
            return media
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
        if request.method == "GET" and request.path == f"/2/users/{self.user_id}/mentions":
            return self._mentions(request)
        if request.method == "PUT" and request.path.endswith("/hidden"):
            tweet_id = request.path.split("/")[-2]
            if not any(t["id"] == tweet_id for t in self.mentions):
                return _problem(404, "Not Found Error", "Not found")
            self.hidden.add(tweet_id)
            return Reply(200, {"data": {"hidden": True}})
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
            for media_id in media_ids:
                upload = self.uploads.get(str(media_id))
                image = self.media.get(str(media_id))
                if image is not None and image["final"]:
                    continue
                if (
                    upload is None
                    or not upload["finalized"]
                    or (upload["polls"] <= self.video_processing)
                ):
                    return _problem(400, "Invalid Request", "Your media IDs are invalid.")
            if len(media_ids) > 4:
                return _problem(400, "Invalid Request", "Your media IDs are invalid.")
            tweet_id = str(1800000000000000000 + self.next_id())
            reply = (request.json or {}).get("reply") or {}
            self.items.append(
                {
                    "id": tweet_id,
                    "text": text,
                    "media_ids": list(media_ids),
                    "in_reply_to": reply.get("in_reply_to_tweet_id"),
                    "images": [
                        {
                            "data": b"".join(
                                d for _i, d in sorted(self.media[m]["segments"].items())
                            ),
                            "alt": self.media[m]["alt"],
                        }
                        for m in media_ids
                        if m in self.media
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
