"""Instagram (professional account) through the Graph API, in two steps.

1. ``POST /{ig-user-id}/media`` with ``image_url`` (a public URL Instagram fetches), ``caption``
   and ``alt_text`` -> a container id. Creating a container publishes nothing, so a lost answer
   is only transient.
2. ``POST /{ig-user-id}/media_publish`` with ``creation_id`` -> the media id. A lost answer
   here is an unknown outcome.
Then ``GET /{media-id}?fields=permalink`` for the public URL (best effort).
Config: ``ig_user_id``, optional ``base_url``. Secret: the access token (bearer header).
Instagram needs an image: a post without one is rejected before any request.
"""

from ._graph import GraphAdapter, raise_for_graph
from ._http import json_or_empty, require, require_secret, send
from .base import AdapterError, PermanentError, PublishRequest, PublishResult

CAPTION_LIMIT = 2200
HASHTAG_LIMIT = 30


class InstagramAdapter(GraphAdapter):
    kind = "instagram"
    supports_verify = True
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
        if not request.images:
            raise PermanentError(f"{self.kind}: serve almeno un'immagine")
        caption = request.text
        if len(caption) > CAPTION_LIMIT:
            raise PermanentError(f"{self.kind}: didascalia oltre {CAPTION_LIMIT} caratteri")
        if caption.count("#") > HASHTAG_LIMIT:
            raise PermanentError(f"{self.kind}: più di {HASHTAG_LIMIT} hashtag")
        image = request.images[0]
        with self._client(request.config, request.secret) as client:
            response = send(
                client,
                "POST",
                f"/{ig_user}/media",
                secret=request.secret,
                kind=self.kind,
                may_duplicate=False,
                data={"image_url": image.url, "caption": caption, "alt_text": image.alt_text},
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
