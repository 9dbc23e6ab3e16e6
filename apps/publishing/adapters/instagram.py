"""Instagram (professional account) through the Graph API, in two steps.

1. ``POST /{ig-user-id}/media`` with ``image_url`` (a public URL Instagram fetches), ``caption``
   and ``alt_text`` -> a container id. Creating a container publishes nothing, so a lost answer
   is only transient.
2. ``POST /{ig-user-id}/media_publish`` with ``creation_id`` -> the media id. A lost answer
   here is an unknown outcome.
Then ``GET /{media-id}?fields=permalink`` for the public URL (best effort).
Config: ``ig_user_id``, optional ``base_url``. Secret: the access token (bearer header).
Instagram needs an image or a video: a post without either is rejected before any request.
A video goes as a Reel: the container is ``media_type=REELS`` with ``video_url``, and step 2
waits until Instagram has processed it (``status_code`` ``FINISHED``).

Metrics: ``GET /{media-id}/insights?metric=reach,views,likes,comments,shares`` (error 100/33
once deleted). Followers: ``GET /{ig-user-id}?fields=followers_count``.
"""

import time

from ._graph import GraphAdapter, raise_for_graph
from ._http import json_or_empty, require, require_secret, scrub, send
from .base import (
    AdapterError,
    PermanentError,
    PostMetrics,
    PublishRequest,
    PublishResult,
    TransientError,
    figure,
)

CAPTION_LIMIT = 2200
HASHTAG_LIMIT = 30
# Instagram fetches and transcodes a Reel before it can be published: ~20 s of polling
# (growing pauses) within one send, then the engine retries later.
REELS_POLLS = 8
REELS_POLL_SECONDS = 0.5


class InstagramAdapter(GraphAdapter):
    kind = "instagram"
    supports_verify = True
    supports_video = True
    reply_edge = "replies"
    account_key = "ig_user_id"
    hide_field = "hide"

    def verify(self, *, config: dict, secret: str) -> str:
        ig_user = require(config, "ig_user_id", self.kind)
        response = self.call_harmless(
            config, secret, "GET", f"/{ig_user}", params={"fields": "username"}
        )
        return "@" + str(json_or_empty(response).get("username", ""))

    def publish(self, request: PublishRequest) -> PublishResult:
        ig_user = require(request.config, "ig_user_id", self.kind)
        require_secret(request.secret, self.kind)
        if not request.images and request.video is None:
            raise PermanentError(f"{self.kind}: serve almeno un'immagine")
        caption = request.text
        if len(caption) > CAPTION_LIMIT:
            raise PermanentError(f"{self.kind}: didascalia oltre {CAPTION_LIMIT} caratteri")
        if caption.count("#") > HASHTAG_LIMIT:
            raise PermanentError(f"{self.kind}: più di {HASHTAG_LIMIT} hashtag")
        with self._client(request.config, request.secret) as client:
            if request.video is not None:
                container_id = self._reels_container(client, request, ig_user, caption)
            else:
                image = request.images[0]
                data = {"image_url": image.url, "caption": caption, "alt_text": image.alt_text}
                response = send(
                    client,
                    "POST",
                    f"/{ig_user}/media",
                    secret=request.secret,
                    kind=self.kind,
                    may_duplicate=False,
                    data=data,
                )
                raise_for_graph(response, secret=request.secret, kind=self.kind)
                container_id = str(response.json()["id"])
            response = send(
                client,
                "POST",
                f"/{ig_user}/media_publish",
                secret=request.secret,
                kind=self.kind,
                data={"creation_id": container_id},
            )
            raise_for_graph(response, secret=request.secret, kind=self.kind)
            media_id = str(response.json()["id"])
            return PublishResult(
                external_id=media_id, url=self._permalink(client, request, media_id)
            )

    def _reels_container(self, client, request: PublishRequest, ig_user: str, caption: str):
        """A Reels container (``media_type=REELS``, ``video_url`` Instagram fetches, shared to
        the feed), then ``GET /{container-id}?fields=status_code,status`` until ``FINISHED``:
        Instagram fetches and processes the video first. ``ERROR`` is final (the status says
        why, e.g. the video's format); still ``IN_PROGRESS`` after the polls, or ``EXPIRED``,
        is transient: a new container next time (an unpublished container shows nothing)."""
        video = request.video
        response = send(
            client,
            "POST",
            f"/{ig_user}/media",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            data={
                "media_type": "REELS",
                "video_url": video.url,
                "caption": caption,
                "share_to_feed": "true",
                "thumb_offset": "1000",
            },
        )
        raise_for_graph(response, secret=request.secret, kind=self.kind)
        container_id = str(response.json()["id"])
        for attempt in range(REELS_POLLS):
            time.sleep(REELS_POLL_SECONDS * (attempt + 1))
            response = send(
                client,
                "GET",
                f"/{container_id}",
                secret=request.secret,
                kind=self.kind,
                may_duplicate=False,
                params={"fields": "status_code,status"},
            )
            raise_for_graph(response, secret=request.secret, kind=self.kind)
            body = json_or_empty(response)
            state = str(body.get("status_code", ""))
            if state == "FINISHED":
                return container_id
            if state == "ERROR":
                detail = scrub(str(body.get("status", "")), request.secret)
                raise PermanentError(f"{self.kind}: video rifiutato ({detail})")
            if state == "EXPIRED":
                break
        raise TransientError(f"{self.kind}: video ancora in elaborazione", retry_after=60.0)

    def _permalink(self, client, request: PublishRequest, media_id: str) -> str:
        try:
            response = send(
                client,
                "GET",
                f"/{media_id}",
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

    supports_metrics = True
    supports_followers = True
    METRICS = ("reach", "views", "likes", "comments", "shares")

    def metrics(self, *, external_id: str, config: dict, secret: str) -> PostMetrics:
        values = self.insights(config, secret, external_id, self.METRICS)
        return PostMetrics(
            reach=figure(values, "reach"),
            impressions=figure(values, "views"),
            reactions=figure(values, "likes"),
            comments=figure(values, "comments"),
            shares=figure(values, "shares"),
        )

    def followers(self, *, config: dict, secret: str) -> int | None:
        ig_user = require(config, "ig_user_id", self.kind)
        return figure(self.fields(config, secret, ig_user, "followers_count"), "followers_count")
