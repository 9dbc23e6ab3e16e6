"""Generic webhook: a signed JSON POST for any other system (intranet, app, totem…).

Config: ``url`` (the receiver's full URL; or ``base_url`` + optional ``path``).
Secret: the shared HMAC key. Headers:

- ``X-PA-Planner-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``
- ``X-PA-Planner-Timestamp: <unix seconds>`` (also ``sent_at`` inside the signed body, so a
  receiver can refuse replays older than a few minutes)
- ``Idempotency-Key: <the delivery's key>`` — receivers must treat a repeated key as the same
  item: that contract is what lets an interrupted send be resent safely (``can_reconcile``).

A 2xx answer may carry ``{"id": ..., "url": ...}``; otherwise the idempotency key is the id.
"""

import hashlib
import hmac
import json
import time

from ._http import (
    client_for,
    json_or_empty,
    raise_for_status,
    require_secret,
    require_service_url,
    send,
)
from .base import Adapter, PermanentError, PublishRequest, PublishResult

SIGNATURE_HEADER = "X-PA-Planner-Signature"
TIMESTAMP_HEADER = "X-PA-Planner-Timestamp"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _message(response) -> str:
    body = json_or_empty(response)
    return str(body.get("error") or body.get("detail") or body.get("message") or "")


class WebhookAdapter(Adapter):
    kind = "webhook"
    can_reconcile = True

    def publish(self, request: PublishRequest) -> PublishResult:
        secret = require_secret(request.secret, self.kind)
        url = request.config.get("url") or ""
        if not url and request.config.get("base_url"):
            url = request.config["base_url"].rstrip("/") + request.config.get("path", "/")
        if not url:
            raise PermanentError(f"{self.kind}: manca 'url' nella configurazione del canale")
        timestamp = str(int(time.time()))
        payload = {
            "event": "post.published",
            "delivery_id": request.delivery_id,
            "idempotency_key": request.idempotency_key,
            "title": request.title,
            # The website Notizia (summary, topics, type, office) when the channel has one.
            "news": request.news or None,
            "text": request.text,
            "link": request.link,
            "language": request.language,
            "images": [{"url": i.url, "alt_text": i.alt_text} for i in request.images],
            "sent_at": timestamp,
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(secret, body),
            TIMESTAMP_HEADER: timestamp,
            "Idempotency-Key": request.idempotency_key,
        }
        require_service_url(url, self.kind)
        with client_for(request.config, base_url="", pinned=True) as client:
            response = send(
                client,
                "POST",
                url,
                secret=secret,
                kind=self.kind,
                content=body,
                headers=headers,
            )
        raise_for_status(response, secret=secret, kind=self.kind, message_of=_message)
        answer = json_or_empty(response)
        return PublishResult(
            external_id=str(answer.get("id") or request.idempotency_key),
            url=str(answer.get("url") or ""),
        )
