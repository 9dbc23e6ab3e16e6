"""Threads (Meta's Threads API, ``graph.threads.net``), in two steps as documented.

1. ``POST /{threads-user-id}/threads`` creates a container: ``media_type=TEXT`` (with
   ``link_attachment``, the post's link drawn as a card), ``IMAGE`` (``image_url``, a public URL
   Threads fetches, and ``alt_text``), ``VIDEO`` (``video_url``, the library video's public URL,
   and ``alt_text``; Threads' publishing API has no captions parameter), or ``CAROUSEL``
   (``children``: 2 to 20 containers made with ``is_carousel_item=true``). A container
   publishes nothing: a lost answer is transient.
   The container is polled (``GET /{id}?fields=status,error_message``) until ``FINISHED``.
2. ``POST /{threads-user-id}/threads_publish`` with ``creation_id`` -> the post's id. A lost
   answer here is an unknown outcome. Then ``GET /{id}?fields=permalink`` (best effort).

Config: ``threads_user_id`` (set at connection), optional ``base_url``. Secret: the long-lived
access token (bearer), refreshed by ``channels.connections``. Errors are Graph's (``_graph``).
The text is ``checks.text_as_sent`` (the link in the text when there are images), at most 500.

Figures (``metrics``): ``GET /{media-id}/insights?metric=views,likes,replies,reposts,quotes``;
followers: ``GET /me/threads_insights?metric=followers_count`` (a ``total_value``, not a
series). Rate limits are Graph's (code 4 with ``X-Business-Use-Case-Usage``).

Answers to citizens (``reply``, apps.inbox): a TEXT container with ``reply_to_id`` (the
citizen's reply), published like a post. Moderation: ``POST /{reply-id}/manage_reply`` with
``hide=true`` (a reply to our posts can be hidden, not deleted, by the account it answers).
"""

import time

from apps.channels.enums import ChannelKind
from apps.channels.kinds import MAX_IMAGES as KIND_MAX_IMAGES
from apps.planning.checks import count_characters, text_as_sent

from ._graph import GraphAdapter, raise_for_graph, raise_if_gone
from ._http import bearer_client, json_or_empty, require, send
from .base import (
    AdapterError,
    PermanentError,
    PostMetrics,
    PublishRequest,
    PublishResult,
    ReplyRequest,
    TransientError,
    figure,
    total,
)

THREADS_BASE_URL = "https://graph.threads.net/v1.0"
TEXT_LIMIT = 500
MAX_IMAGES = KIND_MAX_IMAGES[ChannelKind.THREADS]
STATUS_POLLS = 5
# A video takes longer (Threads fetches and transcodes it): more polls, each wait capped.
VIDEO_STATUS_POLLS = 12
STATUS_POLL_SECONDS = 0.5
STATUS_MAX_WAIT_SECONDS = 5.0


class ThreadsAdapter(GraphAdapter):
    kind = "threads"
    supports_verify = True
    supports_video = True
    supports_metrics = True
    supports_followers = True
    METRICS = ("views", "likes", "replies", "reposts", "quotes")
    # Threads' own replies and moderation, not Facebook's (GraphAdapter).
    supports_reply = True
    moderation_actions = frozenset({"hide"})

    def _client(self, config: dict, secret: str):
        return bearer_client(config, secret, kind=self.kind, default_base_url=THREADS_BASE_URL)

    def verify(self, *, config: dict, secret: str) -> str:
        response = self.call_harmless(
            config, secret, "GET", "/me", params={"fields": "id,username"}
        )
        return "@" + str(json_or_empty(response).get("username", ""))

    def publish(self, request: PublishRequest) -> PublishResult:
        user = require(request.config, "threads_user_id", self.kind)
        images = request.images[:MAX_IMAGES]
        video = request.video
        text = text_as_sent(
            request.text, self.kind, request.link, has_images=bool(images) or video is not None
        )
        length = count_characters(text, self.kind)
        if length > TEXT_LIMIT:
            raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri ({length})")
        with self._client(request.config, request.secret) as client:
            polls = STATUS_POLLS
            if video is not None:
                # Threads fetches the video from its public URL (the cleaned MP4, already
                # checked against Threads' limits by media_library); no captions parameter.
                fields = {
                    "media_type": "VIDEO",
                    "text": text,
                    "video_url": video.url,
                    "alt_text": video.description,
                }
                polls = VIDEO_STATUS_POLLS
            elif not images:
                fields = {"media_type": "TEXT", "text": text}
                if request.link:
                    fields["link_attachment"] = request.link
            elif len(images) == 1:
                fields = {"media_type": "IMAGE", "text": text, **self._image_fields(images[0])}
            else:
                children = [
                    self._container(
                        client,
                        request,
                        user,
                        {**self._image_fields(image), "media_type": "IMAGE"},
                        carousel_item=True,
                    )
                    for image in images
                ]
                fields = {"media_type": "CAROUSEL", "text": text, "children": ",".join(children)}
            container = self._container(client, request, user, fields)
            self._wait_finished(client, request, container, polls=polls)
            response = send(
                client,
                "POST",
                f"/{user}/threads_publish",
                secret=request.secret,
                kind=self.kind,
                data={"creation_id": container},
            )
            raise_for_graph(response, secret=request.secret, kind=self.kind)
            post_id = str(response.json()["id"])
            return PublishResult(external_id=post_id, url=self._permalink(client, request, post_id))

    def reply(self, request: ReplyRequest) -> PublishResult:
        user = require(request.config, "threads_user_id", self.kind)
        if request.private:
            raise PermanentError(f"{self.kind}: Threads non ha messaggi privati")
        text = request.text.strip()
        length = count_characters(text, self.kind)
        if length > TEXT_LIMIT:
            raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri ({length})")
        with self._client(request.config, request.secret) as client:
            fields = {"media_type": "TEXT", "text": text, "reply_to_id": request.in_reply_to}
            container = self._container(client, request, user, fields)
            self._wait_finished(client, request, container)
            response = send(
                client,
                "POST",
                f"/{user}/threads_publish",
                secret=request.secret,
                kind=self.kind,
                data={"creation_id": container},
            )
            raise_for_graph(response, secret=request.secret, kind=self.kind)
            post_id = str(response.json()["id"])
            return PublishResult(external_id=post_id, url=self._permalink(client, request, post_id))

    def moderate(self, *, network_id: str, action: str, config: dict, secret: str) -> None:
        if action != "hide":
            raise PermanentError(f"{self.kind}: una risposta si può solo nascondere")
        self.call_harmless(
            config, secret, "POST", f"/{network_id}/manage_reply", data={"hide": "true"}
        )

    @staticmethod
    def _image_fields(image) -> dict:
        return {"image_url": image.url, "alt_text": image.alt_text}

    def _container(self, client, request, user: str, fields: dict, *, carousel_item=False) -> str:
        if carousel_item:
            fields = {**fields, "is_carousel_item": "true"}
        response = send(
            client,
            "POST",
            f"/{user}/threads",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            data=fields,
        )
        raise_for_graph(response, secret=request.secret, kind=self.kind)
        return str(response.json()["id"])

    def _wait_finished(
        self, client, request: PublishRequest, container: str, *, polls: int = STATUS_POLLS
    ) -> None:
        """Threads fetches the images (or processes the video) first: publishing before
        ``FINISHED`` fails. ``ERROR`` carries Threads' ``error_message``; still in progress
        after the polls is transient (a retry makes a new container: nothing was public)."""
        for attempt in range(polls):
            response = send(
                client,
                "GET",
                f"/{container}",
                secret=request.secret,
                kind=self.kind,
                may_duplicate=False,
                params={"fields": "status,error_message"},
            )
            raise_for_graph(response, secret=request.secret, kind=self.kind)
            body = json_or_empty(response)
            status = body.get("status")
            if status == "FINISHED":
                return
            if status in ("ERROR", "EXPIRED"):
                raise PermanentError(
                    f"{self.kind}: contenuto rifiutato ({body.get('error_message') or status})"
                )
            time.sleep(min(STATUS_POLL_SECONDS * (attempt + 1), STATUS_MAX_WAIT_SECONDS))
        raise TransientError(f"{self.kind}: contenuto ancora in elaborazione", retry_after=30.0)

    def _permalink(self, client, request: PublishRequest, post_id: str) -> str:
        try:
            response = send(
                client,
                "GET",
                f"/{post_id}",
                secret=request.secret,
                kind=self.kind,
                may_duplicate=False,
                params={"fields": "permalink"},
            )
        except AdapterError:
            return ""  # published all the same: the URL is a nicety
        if response.status_code >= 400:
            return ""
        return str(json_or_empty(response).get("permalink") or "")

    def metrics(self, *, external_id: str, config: dict, secret: str) -> PostMetrics:
        values = self.insights(config, secret, external_id, self.METRICS)
        return PostMetrics(
            impressions=figure(values, "views"),
            reactions=figure(values, "likes"),
            comments=figure(values, "replies"),
            shares=total(figure(values, "reposts"), figure(values, "quotes")),
        )

    def followers(self, *, config: dict, secret: str) -> int | None:
        with self._client(config, secret) as client:
            response = send(
                client,
                "GET",
                "/me/threads_insights",
                secret=secret,
                kind=self.kind,
                may_duplicate=False,
                params={"metric": "followers_count"},
            )
        raise_if_gone(response, kind=self.kind)
        self.raise_for(response, secret)
        data = json_or_empty(response).get("data")
        for entry in data if isinstance(data, list) else []:
            if isinstance(entry, dict) and entry.get("name") == "followers_count":
                return figure(entry.get("total_value") or {}, "value")
        return None
