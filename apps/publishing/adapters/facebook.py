"""Facebook Page through the Graph API: ``POST /{page-id}/feed``, ``/{page-id}/photos`` or
``/{page-id}/videos``.

Config: ``page_id``, optional ``base_url`` (default ``https://graph.facebook.com/v21.0``).
Secret: the Page access token, sent as a bearer header (never in the URL). Returns
``{"id": "<page>_<post>"}`` (photos: ``{"id": ..., "post_id": ...}``). No idempotency key.

Metrics (``read_insights``): ``GET /{post-id}/insights?metric=post_impressions,
post_impressions_unique,post_reactions_by_type_total,post_clicks_by_type,post_video_views``
and ``GET /{post-id}?fields=shares,comments.summary(true).limit(0)``; a deleted post is
error 100/33. Followers: ``GET /{page-id}?fields=followers_count``.
Several images (at most 10): each is uploaded unpublished (``/photos`` with
``published=false``, which publishes nothing: a lost answer is transient), then one
``/feed`` post carries them as ``attached_media[i]={"media_fbid": id}``.
"""

import json
import logging
from contextlib import ExitStack

import webvtt

from apps.channels.enums import ChannelKind
from apps.channels.kinds import MAX_IMAGES as KIND_MAX_IMAGES
from apps.planning.checks import text_as_sent

from ._graph import GraphAdapter, raise_for_graph
from ._http import bearer_client, caption_srt, image_bytes, json_or_empty, open_media, require, send
from .base import (
    AdapterError,
    PermanentError,
    PostMetrics,
    PublishRequest,
    PublishResult,
    figure,
    total,
)

MAX_IMAGES = KIND_MAX_IMAGES[ChannelKind.FACEBOOK]
logger = logging.getLogger("apps.publishing.adapters")
# The Graph API names caption files by locale (``video.it_IT.srt``).
CAPTION_LOCALES = {
    "it": "it_IT",
    "en": "en_US",
    "de": "de_DE",
    "fr": "fr_FR",
    "es": "es_ES",
    "sl": "sl_SI",
}

# Videos are uploaded to the Graph API's video host (a channel's ``base_url`` wins, as in tests).
GRAPH_VIDEO_BASE_URL = "https://graph-video.facebook.com/v21.0"


class FacebookAdapter(GraphAdapter):
    kind = "facebook"
    supports_delete = True
    supports_verify = True
    supports_video = True

    def verify(self, *, config: dict, secret: str) -> str:
        page_id = require(config, "page_id", self.kind)
        response = self.call_harmless(
            config, secret, "GET", f"/{page_id}", params={"fields": "name"}
        )
        return str(json_or_empty(response).get("name", ""))

    def publish(self, request: PublishRequest) -> PublishResult:
        page_id = require(request.config, "page_id", self.kind)
        if request.video is not None:
            return self._publish_video(request, page_id)
        with self._client(request.config, request.secret) as client:
            if len(request.images) > 1:
                text = text_as_sent(request.text, self.kind, request.link, has_images=True)
                data = {"message": text}
                for index, image in enumerate(request.images[:MAX_IMAGES]):
                    photo_id = self._unpublished_photo(client, request, page_id, image)
                    data[f"attached_media[{index}]"] = json.dumps({"media_fbid": photo_id})
                response = send(
                    client,
                    "POST",
                    f"/{page_id}/feed",
                    secret=request.secret,
                    kind=self.kind,
                    data=data,
                )
            elif request.images:
                image = request.images[0]
                # A photo has no link card: the link goes at the end of the message.
                text = text_as_sent(request.text, self.kind, request.link, has_images=True)
                response = send(
                    client,
                    "POST",
                    f"/{page_id}/photos",
                    secret=request.secret,
                    kind=self.kind,
                    data={"message": text, "alt_text_custom": image.alt_text},
                    files={"source": ("immagine", image_bytes(image.path), image.content_type)},
                )
            else:
                data = {"message": request.text}
                if request.link:
                    data["link"] = request.link
                response = send(
                    client,
                    "POST",
                    f"/{page_id}/feed",
                    secret=request.secret,
                    kind=self.kind,
                    data=data,
                )
        raise_for_graph(response, secret=request.secret, kind=self.kind)
        body = response.json()
        post_id = str(body.get("post_id") or body["id"])
        return PublishResult(external_id=post_id, url=f"https://www.facebook.com/{post_id}")

    def _unpublished_photo(self, client, request: PublishRequest, page_id: str, image) -> str:
        response = send(
            client,
            "POST",
            f"/{page_id}/photos",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            data={"published": "false", "alt_text_custom": image.alt_text},
            files={"source": ("immagine", image_bytes(image.path), image.content_type)},
        )
        raise_for_graph(response, secret=request.secret, kind=self.kind)
        return str(response.json()["id"])

    def _publish_video(self, request: PublishRequest, page_id: str) -> PublishResult:
        """Graph "Video API", non-resumable upload: ``POST /{page-id}/videos`` on the video host
        with the file streamed as ``source`` and the text as ``description`` (the link at its
        end, as for a photo); answers ``{"id": <video id>}`` and Facebook processes the video
        afterwards. Non-resumable uploads take up to 1 GB and 20 minutes (above the
        library's own maximum, ``MEDIA_MAX_VIDEO_BYTES``)."""
        video = request.video
        text = text_as_sent(request.text, self.kind, request.link, has_images=True)
        client = bearer_client(
            request.config, request.secret, kind=self.kind, default_base_url=GRAPH_VIDEO_BASE_URL
        )
        try:
            with client, ExitStack() as files:
                source = files.enter_context(open_media(video.path))
                parts = {"source": ("video.mp4", source, "video/mp4")}
                if video.poster_path:
                    poster = files.enter_context(open_media(video.poster_path))
                    parts["thumb"] = ("poster.jpg", poster, "image/jpeg")
                response = send(
                    client,
                    "POST",
                    f"/{page_id}/videos",
                    secret=request.secret,
                    kind=self.kind,
                    data={"description": text},
                    files=parts,
                )
        except OSError as exc:
            raise PermanentError(f"{self.kind}: video non leggibile ({exc.strerror})") from None
        raise_for_graph(response, secret=request.secret, kind=self.kind)
        video_id = str(response.json()["id"])
        for caption in video.captions:
            self._add_captions(request, video_id, caption)
        return PublishResult(
            external_id=video_id, url=f"https://www.facebook.com/{page_id}/videos/{video_id}"
        )

    def _add_captions(self, request: PublishRequest, video_id: str, caption) -> None:
        """Graph "Video Captions": ``POST /{video-id}/captions`` with an SRT file named
        ``<name>.<locale>.srt``. The video is already public: a caption that fails is logged
        and the send still counts as done (a retry would post the video twice)."""
        locale = CAPTION_LOCALES.get(caption.language, f"{caption.language}_XX")
        try:
            srt = caption_srt(caption.path)
            with self._client(request.config, request.secret) as client:
                response = send(
                    client,
                    "POST",
                    f"/{video_id}/captions",
                    secret=request.secret,
                    kind=self.kind,
                    may_duplicate=False,
                    data={"default_locale": locale},
                    files={
                        "captions_file": (
                            f"video.{locale}.srt",
                            srt,
                            "application/x-subrip",
                        )
                    },
                )
            raise_for_graph(response, secret=request.secret, kind=self.kind)
        except (AdapterError, OSError, ValueError, webvtt.errors.MalformedFileError) as exc:
            logger.warning(
                "facebook: captions %s not added to video %s: %s",
                caption.language,
                video_id,
                type(exc).__name__,
            )

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        self.call_harmless(config, secret, "DELETE", f"/{external_id}")

    supports_metrics = True
    supports_followers = True
    METRICS = (
        "post_impressions",
        "post_impressions_unique",
        "post_reactions_by_type_total",
        "post_clicks_by_type",
        "post_video_views",
    )

    def metrics(self, *, external_id: str, config: dict, secret: str) -> PostMetrics:
        values = self.insights(config, secret, external_id, self.METRICS)
        counts = self.fields(config, secret, external_id, "shares,comments.summary(true).limit(0)")
        reactions = values.get("post_reactions_by_type_total")
        clicks = values.get("post_clicks_by_type")
        return PostMetrics(
            reach=figure(values, "post_impressions_unique"),
            impressions=figure(values, "post_impressions"),
            reactions=(
                total(*(figure(reactions, k) for k in reactions))
                if isinstance(reactions, dict)
                else None
            ),
            comments=figure((counts.get("comments") or {}).get("summary") or {}, "total_count"),
            # Graph leaves "shares" out of a post nobody shared.
            shares=figure(counts.get("shares") or {"count": 0}, "count"),
            link_clicks=figure(clicks, "link clicks") if isinstance(clicks, dict) else None,
            video_views=figure(values, "post_video_views"),
        )

    def followers(self, *, config: dict, secret: str) -> int | None:
        page_id = require(config, "page_id", self.kind)
        return figure(self.fields(config, secret, page_id, "followers_count"), "followers_count")
