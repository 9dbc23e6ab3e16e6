"""Threads (graph.threads.net) with its login: the API's two-step publishing and the token
exchanges, as documented.

- Login: ``/oauth/authorize`` (consent page), ``POST /oauth/access_token`` (client id and
  secret as form fields; a short-lived token, one hour, and ``user_id``),
  ``GET /access_token?grant_type=th_exchange_token`` (a long-lived token, 60 days),
  ``GET /refresh_access_token?grant_type=th_refresh_token`` (a long-lived token at least a day
  old and not lapsed -> a new one for 60 days; the old keeps working until it lapses).
- API under ``/v1.0``: ``GET /me``, ``POST /{user}/threads`` (TEXT with ``link_attachment``,
  IMAGE with ``image_url`` and ``alt_text``, VIDEO with ``video_url`` and ``alt_text``,
  CAROUSEL of 2-20 ``is_carousel_item`` children; at most 500 characters),
  ``GET /{container}?fields=status,error_message`` (``IN_PROGRESS`` for ``processing_polls``
  reads, a video's for ``video_processing_polls`` more, then ``FINISHED``, or ``ERROR`` with
  ``error_message`` for a video Threads could not process: ``video_error``),
  ``POST /{user}/threads_publish``,
  ``GET /{post}?fields=permalink``; figures: ``GET /{post}/insights?metric=views,likes,replies,
  reposts,quotes`` (each ``{"name", "period": "lifetime", "values": [{"value"}]}``) and
  ``GET /me/threads_insights?metric=followers_count`` (a ``total_value``). A post removed on
  Threads (``remove``) answers Graph's code 100, subcode 33.
- Replies (the inbox): ``GET /me/threads`` (our posts, newest first, ``timestamp`` and
  ``has_replies``), ``GET /{post}/conversation`` (every reply under a post, newest first unless
  ``reverse=false``, paged by ``after`` cursors), a TEXT container with ``reply_to_id``
  (answering), ``POST /{reply}/manage_reply`` with ``hide``. ``add_reply`` is a citizen
  replying.
- Errors in Graph's shape ``{"error": {"message", "type", "code", "fbtrace_id"}}``: 190 for a
  bad or lapsed token, 100 for a bad parameter, throttling as code 4 with
  ``X-Business-Use-Case-Usage`` (minutes to regain access).
"""

import json
import math
import re
import secrets
import time

from .base import ChannelServer, RecordedRequest, Reply
from .oauth import OAuthProviderMixin

USER_ID = "27000000000000001"
USERNAME = "comunediesempio"
TEXT_LIMIT = 500
LONG_LIVED = 60 * 86400
THREADS_METRICS = {
    "views": lambda f: f["impressions"],
    "likes": lambda f: f["reactions"],
    "replies": lambda f: f["comments"],
    "reposts": lambda f: f["shares"] - f["shares"] // 4,
    "quotes": lambda f: f["shares"] // 4,
}


def _stamp(epoch: float) -> str:
    """Threads' timestamps: ``2026-12-07T09:00:00+0000``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(epoch))


def _error(status: int, code: int, message: str, kind: str = "OAuthException") -> Reply:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf123"}
    return Reply(status, {"error": error})


class ThreadsServer(OAuthProviderMixin, ChannelServer):
    kind = "threads"
    default_token = "THAA-threads-test-token-0123456789"
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/access_token"
    revoke_path = "/v1.0/me/permissions"
    client_auth = "post"
    access_lifetime = 3600
    pkce_required = False
    token_prefix = "THAA-short-"
    consent_title = "Threads: allow PA Planner"
    client_id = "threads-app-id"
    client_secret = "threads-app-secret"

    def __init__(self, **kwargs):
        self._reset_state()
        super().__init__(**kwargs)

    def _reset_state(self):
        self._reset_oauth()
        self.clients[self.client_id] = self.client_secret
        self.long_lived: dict[str, float] = {}  # token -> issued at (epoch)
        self.containers: dict[str, dict] = {}
        self.processing_polls = 0  # containers answer IN_PROGRESS this many times first
        # VIDEO containers (``video_url``): Threads fetches and processes the video. They answer
        # IN_PROGRESS ``video_processing_polls`` times, then FINISHED, or ERROR with
        # ``video_error`` as ``error_message`` when that is set (Threads' documented statuses).
        self.video_processing_polls = 2
        self.video_error = ""
        self.replies: list[dict] = []  # citizens' replies, oldest first

    @property
    def config(self) -> dict:
        return {
            "base_url": f"{self.base_url}/v1.0",
            "threads_user_id": USER_ID,
            "read_timeout": 3,
        }

    def server_error(self):
        return _error(500, 2, "An unexpected error has occurred. Please retry your request later.")

    def rate_limited(self, retry_after):
        reply = _error(400, 4, "Application request limit reached")
        minutes = max(1, math.ceil(retry_after / 60))
        usage = {USER_ID: [{"type": "threads", "estimated_time_to_regain_access": minutes}]}
        reply.headers["X-Business-Use-Case-Usage"] = json.dumps(usage)
        return reply

    # --- test helpers ---------------------------------------------------------------------

    def age_long_lived_tokens(self, seconds: float) -> None:
        """Make every long-lived token ``seconds`` older (a refresh needs one a day old)."""
        with self._lock:
            for token in self.long_lived:
                self.long_lived[token] -= seconds

    # --- the protocol ---------------------------------------------------------------------

    def oauth_error(self, status, error, description):
        return _error(400, 100 if error != "invalid_client" else 101, description)

    def _exchange_code(self, request, client_id):
        reply = super()._exchange_code(request, client_id)
        if reply.status == 200:  # Threads answers only these two fields
            reply = Reply(200, {"access_token": reply.body["access_token"], "user_id": USER_ID})
        return reply

    def _long_lived(self) -> Reply:
        token = "THAA-long-" + secrets.token_urlsafe(24)
        self.access_tokens[token] = time.time() + LONG_LIVED
        self.long_lived[token] = time.time()
        return Reply(200, {"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED})

    def _token_of(self, request: RecordedRequest) -> str:
        header = request.header("authorization") or ""
        return header.removeprefix("Bearer ") if header else request.field("access_token", "")

    def _valid(self, token: str) -> bool:
        return token == self.token or self.issued_token_valid(token)

    def handle(self, request: RecordedRequest) -> Reply:
        reply = self.oauth_handle(request)
        if reply is not None:
            return reply
        token = self._token_of(request)
        if request.path == "/access_token":
            if request.field("grant_type") != "th_exchange_token":
                return _error(400, 100, "Invalid grant_type")
            if request.field("client_secret") != self.client_secret:
                return _error(400, 101, "Error validating client secret.")
            if not self.issued_token_valid(token) or token in self.long_lived:
                return _error(400, 190, "Error validating access token: Session has expired")
            return self._long_lived()
        if request.path == "/refresh_access_token":
            if request.field("grant_type") != "th_refresh_token":
                return _error(400, 100, "Invalid grant_type")
            if token not in self.long_lived or not self.issued_token_valid(token):
                return _error(400, 190, "Error validating access token: Session has expired")
            if time.time() - self.long_lived[token] < 86400:
                return _error(400, 100, "The access token must be at least 24 hours old")
            return self._long_lived()
        if not self._valid(token):
            return _error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        parts = [p for p in request.path.split("/") if p]
        if parts and re.fullmatch(r"v\d+\.\d+", parts[0]):
            parts = parts[1:]
        if parts == ["me"] and request.method == "GET":
            return Reply(200, {"id": USER_ID, "username": USERNAME})
        if parts == [USER_ID, "threads"] and request.method == "POST":
            return self._create(request)
        if parts == [USER_ID, "threads_publish"] and request.method == "POST":
            return self._publish(request)
        if parts == ["me", "threads"] and request.method == "GET":
            return self._our_threads(request)
        if len(parts) == 2 and parts[1] == "conversation" and request.method == "GET":
            return self._conversation(parts[0], request)
        if len(parts) == 2 and parts[1] == "manage_reply" and request.method == "POST":
            reply = next((r for r in self.replies if r["id"] == parts[0]), None)
            if reply is None:
                return _error(400, 100, "Object does not exist")
            reply["hide_status"] = "HIDDEN" if request.field("hide") == "true" else "UNHUSHED"
            return Reply(200, {"success": True})
        if parts == ["me", "threads_insights"] and request.method == "GET":
            return self._account_insights(request)
        if len(parts) == 2 and parts[1] == "insights" and request.method == "GET":
            return self._insights(parts[0], request)
        if len(parts) == 1 and request.method == "GET":
            return self._read(parts[0], request)
        return _error(400, 100, "Unsupported request")

    # --- a post removed on Threads (tests) -----------------------------------------------

    def remove(self, post_id: str) -> None:
        """The post is deleted on Threads (by someone in the Threads app)."""
        with self._lock:
            self.items[:] = [i for i in self.items if i["id"] != str(post_id)]

    def add_reply(
        self, text: str, *, to: str, username: str = "mario.rossi", at: float | None = None
    ) -> dict:
        """A citizen replies to ``to`` (one of our posts, or a reply under it)."""
        with self._lock:
            parent = self._any(to)
            if parent is None:
                raise ValueError(to)
            reply = {
                "id": str(17950000000000000 + self.next_id()),
                "text": text,
                "username": username,
                "timestamp": _stamp(at if at is not None else time.time()),
                "replied_to": {"id": to},
                "root_post": {"id": parent.get("root_post", {}).get("id") or to},
                "is_reply": True,
                "is_reply_owned_by_me": False,
                "hide_status": "NOT_HUSHED",
            }
            self.replies.append(reply)
            return reply

    def _any(self, object_id: str) -> dict | None:
        return next((i for i in [*self.items, *self.replies] if i["id"] == object_id), None)

    def _our_threads(self, request: RecordedRequest) -> Reply:
        posts = [i for i in reversed(self.items) if not i.get("root_post")]
        limit = min(int(request.field("limit", 25) or 25), 100)
        return Reply(
            200,
            {
                "data": [
                    {
                        "id": p["id"],
                        "timestamp": p["timestamp"],
                        "has_replies": any(r["root_post"]["id"] == p["id"] for r in self.replies),
                    }
                    for p in posts[:limit]
                ]
            },
        )

    def _conversation(self, post_id: str, request: RecordedRequest) -> Reply:
        if self._any(post_id) is None:
            return _error(400, 100, "Object does not exist")
        ours = [i for i in self.items if i.get("root_post", {}).get("id") == post_id]
        under = [r for r in self.replies if r["root_post"]["id"] == post_id] + ours
        under.sort(key=lambda r: (r["timestamp"], r["id"]))
        if request.field("reverse", "true") != "false":
            under.reverse()
        start = int(request.field("after") or 0)
        limit = min(int(request.field("limit", 25) or 25), 100)
        page = under[start : start + limit]
        body = {"data": page, "paging": {"cursors": {"before": str(start)}}}
        if start + limit < len(under):
            body["paging"]["cursors"]["after"] = str(start + limit)
            body["paging"]["next"] = f"{self.base_url}/v1.0/{post_id}/conversation?after=x"
        return Reply(200, body)

    # --- figures --------------------------------------------------------------------------

    def _insights(self, post_id: str, request: RecordedRequest) -> Reply:
        if not any(i["id"] == post_id for i in self.items):
            reply = _error(
                400,
                100,
                f"Unsupported get request. Object with ID '{post_id}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                "THApiException",
            )
            reply.body["error"]["error_subcode"] = 33
            return reply
        names = [n for n in str(request.field("metric", "")).split(",") if n]
        unknown = [n for n in names if n not in THREADS_METRICS]
        if not names or unknown:
            return _error(400, 100, f"Param metric must be one of {','.join(THREADS_METRICS)}")
        figures = self.figures_of(post_id)
        return Reply(
            200,
            {
                "data": [
                    {
                        "name": name,
                        "period": "lifetime",
                        "values": [{"value": THREADS_METRICS[name](figures)}],
                        "title": name,
                        "description": name,
                        "id": f"{post_id}/insights/{name}/lifetime",
                    }
                    for name in names
                ]
            },
        )

    def _account_insights(self, request: RecordedRequest) -> Reply:
        if request.field("metric") != "followers_count":
            return _error(400, 100, "Param metric must be followers_count")
        return Reply(
            200,
            {
                "data": [
                    {
                        "name": "followers_count",
                        "period": "day",
                        "title": "followers_count",
                        "description": "The number of followers on Threads.",
                        "total_value": {"value": self.followers},
                        "id": f"{USER_ID}/insights/followers_count/day",
                    }
                ]
            },
        )

    def _create(self, request: RecordedRequest) -> Reply:
        media_type = request.field("media_type")
        text = request.field("text", "") or ""
        if len(text) > TEXT_LIMIT:
            return _error(400, 100, f"Param text must be at most {TEXT_LIMIT} characters long")
        container = {
            "media_type": media_type,
            "text": text,
            "carousel_item": request.field("is_carousel_item") == "true",
            "polls_left": self.processing_polls,
        }
        reply_to = request.field("reply_to_id")
        if reply_to:
            if self._any(str(reply_to)) is None:
                return _error(400, 100, "Param reply_to_id is not a valid Threads media")
            container["reply_to_id"] = str(reply_to)
        if media_type == "TEXT":
            if not text:
                return _error(400, 100, "Param text is required for TEXT posts")
            container["link_attachment"] = request.field("link_attachment")
        elif media_type == "IMAGE":
            if not str(request.field("image_url", "")).startswith(("http://", "https://")):
                return _error(400, 100, "Param image_url must be a valid URL")
            container["image_url"] = request.field("image_url")
            container["alt_text"] = request.field("alt_text")
        elif media_type == "VIDEO":
            if not str(request.field("video_url", "")).startswith(("http://", "https://")):
                return _error(400, 100, "Param video_url must be a valid URL")
            container["video_url"] = request.field("video_url")
            container["alt_text"] = request.field("alt_text")
            container["polls_left"] = self.processing_polls + self.video_processing_polls
            container["error_message"] = self.video_error
        elif media_type == "CAROUSEL":
            children = [c for c in str(request.field("children", "")).split(",") if c]
            if not 2 <= len(children) <= 20:
                return _error(400, 100, "A carousel needs between 2 and 20 children")
            if any(not self.containers.get(c, {}).get("carousel_item") for c in children):
                return _error(400, 100, "Invalid carousel child")
            container["children"] = children
        else:
            return _error(400, 100, "Param media_type must be TEXT, IMAGE, VIDEO or CAROUSEL")
        container_id = str(18000000000000000 + self.next_id())
        self.containers[container_id] = container
        return Reply(200, {"id": container_id})

    def _publish(self, request: RecordedRequest) -> Reply:
        container_id = str(request.field("creation_id", ""))
        container = self.containers.get(container_id)
        if container is None or container["carousel_item"]:
            return _error(400, 100, "Invalid creation_id")
        if container["polls_left"] > 0 or container.get("error_message"):
            return _error(400, 24, "The media is not ready to be published", "THApiException")
        if container.get("published"):
            return _error(400, 100, "The media has already been published")
        container["published"] = True
        post_id = str(17900000000000000 + self.next_id())
        item = {
            "id": post_id,
            "text": container["text"],
            "media_type": container["media_type"],
            "link_attachment": container.get("link_attachment"),
            "timestamp": _stamp(time.time()),
            "username": USERNAME,
            "is_reply_owned_by_me": True,
            "video": (
                {"url": container["video_url"], "alt_text": container["alt_text"]}
                if container["media_type"] == "VIDEO"
                else None
            ),
            "images": [
                {"url": c["image_url"], "alt_text": c["alt_text"]}
                for c in (
                    [self.containers[child] for child in container.get("children", [])]
                    or ([container] if container["media_type"] == "IMAGE" else [])
                )
            ],
        }
        if container.get("reply_to_id"):
            parent = self._any(container["reply_to_id"])
            root = (parent or {}).get("root_post", {}).get("id") or container["reply_to_id"]
            item["replied_to"] = {"id": container["reply_to_id"]}
            item["root_post"] = {"id": root}
        self.items.append(item)
        return Reply(200, {"id": post_id})

    def _read(self, object_id: str, request: RecordedRequest) -> Reply:
        if object_id in self.containers:
            container = self.containers[object_id]
            if container["polls_left"] > 0:
                container["polls_left"] -= 1
                return Reply(200, {"id": object_id, "status": "IN_PROGRESS"})
            if container.get("error_message"):
                return Reply(
                    200,
                    {
                        "id": object_id,
                        "status": "ERROR",
                        "error_message": container["error_message"],
                    },
                )
            return Reply(200, {"id": object_id, "status": "FINISHED"})
        item = next((i for i in self.items if i["id"] == object_id), None)
        if item is None:
            return _error(400, 100, "Object does not exist")
        return Reply(
            200,
            {"id": object_id, "permalink": f"https://www.threads.net/@{USERNAME}/post/{object_id}"},
        )
