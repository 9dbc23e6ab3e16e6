"""Facebook Page through the Graph API: ``POST /{page-id}/feed`` or ``/{page-id}/photos``.

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

from apps.channels.enums import ChannelKind
from apps.channels.kinds import MAX_IMAGES as KIND_MAX_IMAGES
from apps.planning.checks import text_as_sent

from ._graph import GraphAdapter, raise_for_graph
from ._http import image_bytes, json_or_empty, require, send
from .base import PostMetrics, PublishRequest, PublishResult, figure, total

MAX_IMAGES = KIND_MAX_IMAGES[ChannelKind.FACEBOOK]


class FacebookAdapter(GraphAdapter):
    kind = "facebook"
    supports_delete = True
    supports_verify = True

    def verify(self, *, config: dict, secret: str) -> str:
        page_id = require(config, "page_id", self.kind)
        response = self.call_harmless(
            config, secret, "GET", f"/{page_id}", params={"fields": "name"}
        )
        return str(json_or_empty(response).get("name", ""))

    def publish(self, request: PublishRequest) -> PublishResult:
        page_id = require(request.config, "page_id", self.kind)
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
