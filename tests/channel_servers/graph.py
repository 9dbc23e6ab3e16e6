"""Facebook Graph API for a Page (feed, photos, delete) and Instagram (media container, then
media_publish, then permalink). One server plays both; ``items`` has ``"network"``.

For the inbox: citizens' comments (:meth:`GraphServer.add_comment`) can be answered
(``POST /{comment-id}/comments``, Instagram ``/{comment-id}/replies``), hidden
(``POST /{comment-id}`` with ``is_hidden`` / ``hide``) or deleted; private messages are
answered through the Send API (``POST /{page-id}/messages``, ``/{ig-user-id}/messages``).
Meta pushes comments and messages as signed webhook deliveries: :func:`comment_delivery`,
:func:`message_delivery` and :func:`signed` build them as Meta sends them."""

import hashlib
import hmac
import json
import math
import re

from .base import ChannelServer, RecordedRequest, Reply


def _error(status: int, code: int, message: str, kind: str = "OAuthException", **extra) -> Reply:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf123", **extra}
    return Reply(status, {"error": error})


def _gone(object_id: str) -> Reply:
    return _error(
        400,
        100,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        "GraphMethodException",
        error_subcode=33,
    )


def _insight(object_id: str, name: str, value) -> dict:
    return {
        "name": name,
        "period": "lifetime",
        "values": [{"value": value}],
        "title": name,
        "description": "Lifetime: " + name,
        "id": f"{object_id}/insights/{name}/lifetime",
    }


FACEBOOK_METRICS = {
    "post_impressions": lambda f: f["impressions"],
    "post_impressions_unique": lambda f: f["reach"],
    "post_reactions_by_type_total": lambda f: {
        "like": f["reactions"] - f["reactions"] // 5,
        "love": f["reactions"] // 5,
    },
    "post_clicks_by_type": lambda f: {
        "link clicks": f["link_clicks"],
        "other clicks": f["link_clicks"] // 2,
        "photo view": f["link_clicks"] // 3,
    },
    "post_video_views": lambda f: 0,
}
INSTAGRAM_METRICS = {
    "reach": lambda f: f["reach"],
    "views": lambda f: f["impressions"],
    "likes": lambda f: f["reactions"],
    "comments": lambda f: f["comments"],
    "shares": lambda f: f["shares"],
    "saved": lambda f: f["shares"] // 2,
}


class GraphServer(ChannelServer):
    kind = "graph"
    default_token = "EAAG-graph-test-token-0123456789"
    page_id = "104000000000001"
    ig_user_id = "17841400000000001"

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def _reset_state(self):
        self.comments: dict[str, dict] = {}
        self.sent_messages: list[dict] = []
        self.containers: dict[str, dict] = {}
        self.unpublished_photos: dict[str, dict] = {}
        # Instagram answers "media not ready" while it still fetches the image: set to N so
        # the next N media_publish calls get error 9007.
        self.media_not_ready = 0
        # Reels: how many status polls answer IN_PROGRESS before FINISHED; a text here makes
        # every Reels container end in ERROR with it as its status.
        self.reels_processing = 2
        self.reels_error = ""
        # Page videos over this size are refused (non-resumable uploads: 1 GB).
        self.max_video_bytes = 1024 * 1024 * 1024

    @property
    def config(self):
        return {**super().config, "page_id": self.page_id, "ig_user_id": self.ig_user_id}

    def server_error(self):
        return _error(500, 2, "An unexpected error has occurred. Please retry your request later.")

    def rate_limited(self, retry_after):
        # Page tokens fall under Business Use Case limits: HTTP 400 with code 80001 (80002 for
        # Instagram) and no Retry-After; the wait is estimated_time_to_regain_access, in
        # minutes, in the X-Business-Use-Case-Usage header.
        reply = _error(
            400,
            80001,
            "There have been too many calls to this Page account. Wait a bit and try again.",
        )
        minutes = max(1, math.ceil(retry_after / 60))
        usage = {
            self.page_id: [
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 12,
                    "total_time": 14,
                    "estimated_time_to_regain_access": minutes,
                }
            ]
        }
        reply.headers["X-Business-Use-Case-Usage"] = json.dumps(usage)
        return reply

    def _authorised(self, request: RecordedRequest) -> bool:
        header = request.header("authorization") or ""
        return header == f"Bearer {self.token}" or request.field("access_token") == self.token

    def handle(self, request: RecordedRequest) -> Reply:
        if not self._authorised(request):
            return _error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        parts = [p for p in request.path.split("/") if p]
        if parts and re.fullmatch(r"v\d+\.\d+", parts[0]):
            parts = parts[1:]  # /v21.0/... as on graph.facebook.com
        if request.method == "POST" and parts == [self.page_id, "feed"]:
            return self._feed(request)
        if request.method == "POST" and parts == [self.page_id, "photos"]:
            return self._photo(request)
        if request.method == "POST" and parts == [self.page_id, "videos"]:
            return self._video(request)
        if request.method == "POST" and len(parts) == 2 and parts[1] == "captions":
            return self._captions(request, parts[0])
        if request.method == "POST" and parts == [self.ig_user_id, "media"]:
            return self._container(request)
        if request.method == "POST" and parts == [self.ig_user_id, "media_publish"]:
            return self._publish(request)
        if request.method == "GET" and parts == [self.page_id]:
            return Reply(
                200,
                {
                    "id": self.page_id,
                    "name": "Comune di Esempio",
                    "followers_count": self.followers,
                },
            )
        if request.method == "GET" and parts == [self.ig_user_id]:
            mentioned = re.match(
                r"mentioned_comment\.comment_id\((\w+)\)", request.field("fields", "")
            )
            if mentioned:
                return self._mentioned_comment(mentioned.group(1))
            return Reply(
                200,
                {
                    "id": self.ig_user_id,
                    "username": "comunediesempio",
                    "followers_count": self.followers,
                },
            )
        if request.method == "GET" and len(parts) == 2 and parts[1] == "insights":
            return self._insights(parts[0], request)
        if request.method == "GET" and len(parts) == 1 and parts[0] in self.containers:
            return self._container_status(parts[0])
        if request.method == "POST" and len(parts) == 2 and parts[1] == "messages":
            return self._send_api(request, parts[0])
        if request.method == "POST" and len(parts) == 2 and parts[1] in ("comments", "replies"):
            return self._reply(request, parts[0], parts[1])
        if len(parts) == 1 and parts[0] in self.comments:
            return self._moderate(request, self.comments[parts[0]])
        if len(parts) == 1:
            item = next((i for i in self.items if i["id"] == parts[0]), None)
            if item is None:
                return _gone(parts[0])
            if request.method == "DELETE":
                self.items.remove(item)
                return Reply(200, {"success": True})
            body = {"id": item["id"], "permalink": item.get("permalink", "")}
            if "comments" in (request.field("fields") or ""):
                figures = self.figures_of(item["id"])
                body["comments"] = {
                    "data": [],
                    "summary": {"order": "ranked", "total_count": figures["comments"]},
                }
                if figures["shares"]:  # Graph leaves "shares" out of a post nobody shared
                    body["shares"] = {"count": figures["shares"]}
            return Reply(200, body)
        return _error(400, 100, "(#100) Unknown path components", "GraphMethodException")

    def add_comment(
        self,
        network: str,
        *,
        on: str,
        text: str,
        author: str = "Paola Neri",
        author_id: str = "6100001",
    ) -> dict:
        """A citizen's comment on ``on`` (a post or media id, or another comment)."""
        with self._lock:
            if network == "facebook":
                comment_id = f"{on.split('_')[-1]}_{700000 + self.next_id()}"
            else:
                comment_id = str(18000000 + self.next_id())
            comment = {
                "id": comment_id,
                "network": network,
                "on": on,
                "text": text,
                "author": author,
                "author_id": author_id,
                "hidden": False,
                "deleted": False,
            }
            self.comments[comment_id] = comment
            return comment

    def _mentioned_comment(self, comment_id):
        comment = self.comments.get(comment_id)
        if comment is None:
            return _error(400, 100, "(#100) Invalid comment id", "GraphMethodException")
        return Reply(
            200,
            {
                "id": self.ig_user_id,
                "mentioned_comment": {
                    "id": comment_id,
                    "text": comment["text"],
                    "username": comment["author"],
                    "timestamp": "2026-12-07T08:00:00+0000",
                },
            },
        )

    def _reply(self, request, comment_id, edge):
        comment = self.comments.get(comment_id)
        expected = "comments" if comment and comment["network"] == "facebook" else "replies"
        if comment is None or comment["deleted"] or edge != expected:
            return _error(400, 100, "(#100) Unsupported post request.", "GraphMethodException")
        message = request.field("message", "") or ""
        if not message.strip():
            return _error(400, 100, "(#100) Missing message", "GraphMethodException")
        reply_id = f"{comment_id}_{self.next_id()}"
        self.items.append(
            {"id": reply_id, "network": comment["network"], "text": message, "reply_to": comment_id}
        )
        return Reply(200, {"id": reply_id})

    def _send_api(self, request, account):
        if account not in (self.page_id, self.ig_user_id):
            return _error(400, 100, "(#100) Unsupported post request.", "GraphMethodException")
        body = request.json if isinstance(request.json, dict) else {}
        recipient = (body.get("recipient") or {}).get("id")
        text = (body.get("message") or {}).get("text", "")
        if not recipient or not text:
            return _error(400, 100, "(#100) Param recipient and message are required")
        message_id = f"m_{self.next_id()}"
        self.sent_messages.append(
            {"id": message_id, "recipient": recipient, "text": text, "account": account}
        )
        self.items.append(
            {"id": message_id, "network": "messages", "text": text, "recipient": recipient}
        )
        return Reply(200, {"recipient_id": recipient, "message_id": message_id})

    def _moderate(self, request, comment):
        if request.method == "DELETE":
            comment["deleted"] = True
            return Reply(200, {"success": True})
        if request.method == "POST":
            field = "is_hidden" if comment["network"] == "facebook" else "hide"
            if request.field(field) not in ("true", True):
                return _error(400, 100, f"(#100) {field} is required", "GraphMethodException")
            comment["hidden"] = True
            return Reply(200, {"success": True})
        return Reply(200, {"id": comment["id"], "message": comment["text"]})

    def _feed(self, request):
        message, link = request.field("message", ""), request.field("link", "")
        attached = []
        index = 0
        while request.field(f"attached_media[{index}]") is not None:
            try:
                fbid = str(json.loads(request.field(f"attached_media[{index}]"))["media_fbid"])
            except (ValueError, KeyError, TypeError):
                return _error(400, 100, "(#100) Invalid attached_media", "GraphMethodException")
            if fbid not in self.unpublished_photos:
                return _error(400, 100, "(#100) Invalid media_fbid", "GraphMethodException")
            attached.append(self.unpublished_photos.pop(fbid))
            index += 1
        if not message and not link and not attached:
            return _error(400, 100, "(#100) Missing message or attachment", "GraphMethodException")
        post_id = f"{self.page_id}_{900000 + self.next_id()}"
        item = {"id": post_id, "network": "facebook", "text": message, "link": link}
        if attached:
            item["photos"] = attached
        self.items.append(item)
        return Reply(200, {"id": post_id})

    def _photo(self, request):
        if "source" not in request.files and not request.field("url"):
            return _error(400, 324, "(#324) Requires upload file", "GraphMethodException")
        photo_id = str(800000 + self.next_id())
        if request.field("published") == "false":  # for a multi-photo post: no post yet
            self.unpublished_photos[photo_id] = {
                "alt_text": request.field("alt_text_custom", ""),
                "data": request.files["source"].data if "source" in request.files else b"",
            }
            return Reply(200, {"id": photo_id})
        post_id = f"{self.page_id}_{photo_id}"
        self.items.append(
            {
                "id": post_id,
                "network": "facebook",
                "text": request.field("message", ""),
                "photo": True,
            }
        )
        return Reply(200, {"id": photo_id, "post_id": post_id})

    def _video(self, request):
        """Video API, non-resumable upload: the file as ``source``; a file over the limit is
        refused with Graph's upload error (#6000)."""
        upload = request.files.get("source")
        if upload is None and not request.field("file_url"):
            return _error(400, 352, "(#352) Sorry, the video file you selected is in a format "
                          "that we don't support.", "GraphMethodException")  # fmt: skip
        if upload is not None and len(upload.data) > self.max_video_bytes:
            return _error(400, 6000, "There was a problem uploading your video file. Please "
                          "try again with another file.")  # fmt: skip
        video_id = str(700000 + self.next_id())
        self.items.append(
            {
                "id": video_id,
                "network": "facebook",
                "text": request.field("description", ""),
                "video": True,
                "video_bytes": len(upload.data) if upload is not None else 0,
                "thumb": "thumb" in request.files,
                "captions": [],
            }
        )
        return Reply(200, {"id": video_id})

    def _captions(self, request, video_id):
        """Video Captions: an SRT file named ``<name>.<locale>.srt`` (e.g. ``video.it_IT.srt``)."""
        video = next((i for i in self.items if i["id"] == video_id and i.get("video")), None)
        if video is None:
            return _error(400, 100, "(#100) Invalid video id", "GraphMethodException")
        upload = request.files.get("captions_file")
        name = re.fullmatch(r"[\w-]+\.([a-z]{2}_[A-Z]{2})\.srt", upload.filename if upload else "")
        if upload is None or name is None:
            return _error(400, 100, "(#100) Caption file name must be filename.locale.srt",
                          "GraphMethodException")  # fmt: skip
        text = upload.data.decode("utf-8", "replace")
        if not re.match(r"1\n\d\d:\d\d:\d\d,\d{3} --> ", text):
            return _error(400, 100, "(#100) Invalid SRT file", "GraphMethodException")
        video["captions"].append({"locale": name.group(1), "srt": text})
        return Reply(200, {"success": True})

    def _container(self, request):
        if request.field("media_type") == "REELS":
            return self._reels_container(request)
        image_url = request.field("image_url", "")
        if not image_url:
            return _error(
                400, 100, "(#100) The parameter image_url is required", "GraphMethodException"
            )
        caption = request.field("caption", "") or ""
        if len(caption) > 2200:
            return _error(400, 100, "(#100) Caption is too long", "GraphMethodException")
        container_id = str(179000 + self.next_id())
        self.containers[container_id] = {
            "image_url": image_url,
            "caption": caption,
            "alt_text": request.field("alt_text", ""),
            "published": False,
        }
        return Reply(200, {"id": container_id})

    def _reels_container(self, request):
        """A Reels container: Instagram fetches ``video_url`` and processes it; its
        ``status_code`` is IN_PROGRESS ``reels_processing`` times, then FINISHED (or ERROR
        with ``reels_error`` as its status, e.g. a video over the size limit)."""
        video_url = request.field("video_url", "")
        if not video_url:
            return _error(400, 100, "(#100) The parameter video_url is required",
                          "GraphMethodException")  # fmt: skip
        container_id = str(179000 + self.next_id())
        self.containers[container_id] = {
            "media_type": "REELS",
            "video_url": video_url,
            "caption": request.field("caption", "") or "",
            "alt_text": "",
            "share_to_feed": request.field("share_to_feed"),
            "published": False,
            "polls_left": self.reels_processing,
        }
        return Reply(200, {"id": container_id})

    def _container_status(self, container_id):
        container = self.containers[container_id]
        if self.reels_error:
            return Reply(200, {"id": container_id, "status_code": "ERROR",
                               "status": self.reels_error})  # fmt: skip
        if container.get("polls_left", 0) > 0:
            container["polls_left"] -= 1
            return Reply(200, {"id": container_id, "status_code": "IN_PROGRESS"})
        return Reply(200, {"id": container_id, "status_code": "FINISHED"})

    def _publish(self, request):
        container = self.containers.get(str(request.field("creation_id", "")))
        if container is None:
            return _error(400, 100, "(#100) Invalid parameter", "GraphMethodException")
        if container.get("polls_left", 0) > 0 or (
            container.get("media_type") == "REELS" and self.reels_error
        ):
            return _error(
                400, 9007, "Media ID is not available", "OAuthException", error_subcode=2207027
            )
        if self.media_not_ready:
            self.media_not_ready -= 1
            return _error(
                400, 9007, "Media ID is not available", "OAuthException", error_subcode=2207027
            )
        if container["published"]:
            return _error(400, 9, "(#9) The media has already been published", "OAuthException")
        container["published"] = True
        media_id = str(178000 + self.next_id())
        self.items.append(
            {
                "id": media_id,
                "network": "instagram",
                "text": container["caption"],
                "alt_text": container["alt_text"],
                "permalink": f"https://www.instagram.com/p/FAKE{media_id}/",
            }
        )
        return Reply(200, {"id": media_id})

    def _insights(self, object_id: str, request: RecordedRequest) -> Reply:
        item = next((i for i in self.items if i["id"] == object_id), None)
        if item is None:
            return _gone(object_id)
        known = FACEBOOK_METRICS if item["network"] == "facebook" else INSTAGRAM_METRICS
        names = [n for n in (request.field("metric") or "").split(",") if n]
        unknown = [n for n in names if n not in known]
        if not names or unknown:
            return _error(
                400,
                100,
                f"(#100) The value must be a valid insights metric: {','.join(unknown)}",
                "OAuthException",
            )
        figures = self.figures_of(object_id)
        return Reply(200, {"data": [_insight(object_id, n, known[n](figures)) for n in names]})


def comment_delivery(server: "GraphServer", comment: dict, *, verb: str = "add") -> dict:
    """The webhook body Meta sends for a comment (Page ``feed`` or Instagram ``comments``)."""
    if comment["network"] == "facebook":
        return {
            "object": "page",
            "entry": [
                {
                    "id": server.page_id,
                    "time": 1765090000,
                    "changes": [
                        {
                            "field": "feed",
                            "value": {
                                "item": "comment",
                                "verb": verb,
                                "comment_id": comment["id"],
                                "post_id": comment["on"] if comment["on"].count("_") else "",
                                "parent_id": comment["on"],
                                "from": {"id": comment["author_id"], "name": comment["author"]},
                                "message": comment["text"],
                                "created_time": 1765090000,
                            },
                        }
                    ],
                }
            ],
        }
    return {
        "object": "instagram",
        "entry": [
            {
                "id": server.ig_user_id,
                "time": 1765090000,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "id": comment["id"],
                            "text": comment["text"],
                            "from": {"id": comment["author_id"], "username": comment["author"]},
                            "media": {"id": comment["on"], "media_product_type": "FEED"},
                        },
                    }
                ],
            }
        ],
    }


def message_delivery(
    server: "GraphServer", *, network: str, text: str, sender: str = "2400001", mid: str = ""
) -> dict:
    """The webhook body of a Messenger (``page``) or Instagram Direct (``instagram``) message."""
    account = server.page_id if network == "facebook" else server.ig_user_id
    return {
        "object": "page" if network == "facebook" else "instagram",
        "entry": [
            {
                "id": account,
                "time": 1765090000,
                "messaging": [
                    {
                        "sender": {"id": sender},
                        "recipient": {"id": account},
                        "timestamp": 1765090000000,
                        "message": {"mid": mid or f"m_{server.next_id()}", "text": text},
                    }
                ],
            }
        ],
    }


def signed(payload: dict, app_secret: str) -> tuple[bytes, str]:
    """The raw body and its ``X-Hub-Signature-256`` header, as Meta signs a delivery."""
    body = json.dumps(payload).encode()
    return body, "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def mention_delivery(server: "GraphServer", comment: dict) -> dict:
    """Instagram's ``mentions`` delivery: the comment that mentions the account, by id only."""
    return {
        "object": "instagram",
        "entry": [
            {
                "id": server.ig_user_id,
                "time": 1765090000,
                "changes": [
                    {
                        "field": "mentions",
                        "value": {"media_id": comment["on"], "comment_id": comment["id"]},
                    }
                ],
            }
        ],
    }
