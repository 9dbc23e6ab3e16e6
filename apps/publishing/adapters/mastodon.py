"""Mastodon: ``POST /api/v1/statuses`` with an Idempotency-Key, media via ``POST /api/v2/media``.

Config: ``base_url`` (the instance, e.g. ``https://mastodon.comune.it``), optional
``visibility`` (default ``public``). Secret: the application's access token.
Mastodon remembers an Idempotency-Key for about an hour, so a resend after an unknown
outcome returns the status already created instead of a duplicate: ``can_reconcile``.
"""

import time
from datetime import datetime

from ._http import (
    BearerApiAdapter,
    bearer_client,
    image_bytes,
    json_or_empty,
    require,
    send,
)
from .base import PublishRequest, PublishResult, TransientError

MEDIA_POLLS = 4  # ~5 s in all, then a transient error: the engine retries later
MEDIA_POLL_SECONDS = 0.5


def _message(response) -> str:
    return str(json_or_empty(response).get("error", ""))


def _retry_after(response) -> float | None:
    """Mastodon's 429 carries no Retry-After: the limit window ends at X-RateLimit-Reset,
    an ISO 8601 time (e.g. ``2026-03-06T11:05:00.000000Z``)."""
    try:
        reset = datetime.fromisoformat(response.headers.get("X-RateLimit-Reset", ""))
    except ValueError:
        return None
    if reset.tzinfo is None:
        return None
    return max(reset.timestamp() - time.time(), 0.0)


class MastodonAdapter(BearerApiAdapter):
    kind = "mastodon"
    supports_delete = True
    can_reconcile = True
    supports_verify = True

    message_of = staticmethod(_message)
    retry_after_of = staticmethod(_retry_after)

    def verify(self, *, config: dict, secret: str) -> str:
        response = self.call_harmless(config, secret, "GET", "/api/v1/accounts/verify_credentials")
        return "@" + str(json_or_empty(response).get("acct", ""))

    def _client(self, config: dict, secret: str):
        base_url = require(config, "base_url", self.kind)  # every Comune has its own instance
        return bearer_client(config, secret, kind=self.kind, default_base_url=base_url)

    def publish(self, request: PublishRequest) -> PublishResult:
        with self._client(request.config, request.secret) as client:
            media_ids = [self._upload(client, request, image) for image in request.images[:4]]
            text = request.text
            if request.link and request.link not in text:
                text = f"{text}\n\n{request.link}"
            data = {
                "status": text,
                "visibility": request.config.get("visibility", "public"),
                "language": request.language,
                "media_ids[]": media_ids,
            }
            response = send(
                client,
                "POST",
                "/api/v1/statuses",
                secret=request.secret,
                kind=self.kind,
                data=data,
                headers={"Idempotency-Key": request.idempotency_key},
            )
            self.raise_for(response, request.secret)
            status = response.json()
            return PublishResult(external_id=str(status["id"]), url=status.get("url") or "")

    def _upload(self, client, request: PublishRequest, image) -> str:
        # An upload creates nothing public: a lost answer is simply retried.
        response = send(
            client,
            "POST",
            "/api/v2/media",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            data={"description": image.alt_text},
            files={"file": ("immagine", image_bytes(image.path), image.content_type)},
        )
        self.raise_for(response, request.secret)
        media_id = str(response.json()["id"])
        if response.status_code == 202:  # still processing: a status cannot attach it yet
            self._wait_processed(client, request, media_id)
        return media_id

    def _wait_processed(self, client, request: PublishRequest, media_id: str) -> None:
        for attempt in range(MEDIA_POLLS):
            time.sleep(MEDIA_POLL_SECONDS * (attempt + 1))
            response = send(
                client,
                "GET",
                f"/api/v1/media/{media_id}",
                secret=request.secret,
                kind=self.kind,
                may_duplicate=False,
            )
            self.raise_for(response, request.secret)
            if response.status_code == 200:
                return
        raise TransientError(f"{self.kind}: immagine ancora in elaborazione", retry_after=30.0)

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        self.call_harmless(config, secret, "DELETE", f"/api/v1/statuses/{external_id}")
