"""X through API v2: ``POST /2/tweets`` with ``{"text": ...}``; ``DELETE /2/tweets/{id}``.

Config: optional ``base_url`` (default ``https://api.x.com``). Secret: an OAuth 2.0 user
access token (bearer). A 429 carries ``x-rate-limit-reset`` (epoch seconds). Errors are
``{"title", "detail", "type", "status"}`` (or ``{"errors": [{"message"}]}``). No idempotency.
"""

import time

from apps.planning.checks import count_characters, text_as_sent

from ._http import BearerApiAdapter, bearer_client, json_or_empty, send
from .base import PermanentError, PublishRequest, PublishResult, ReplyRequest

TEXT_LIMIT = 280


def weighted_length(text: str) -> int:
    """X's count: every link weighs 23 (t.co). The editor and the review count the same way."""
    return count_characters(text, "x")


def _message(response) -> str:
    body = json_or_empty(response)
    if body.get("detail"):
        return str(body["detail"])
    errors = body.get("errors") or []
    if errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or errors[0].get("detail") or "")
    return str(body.get("title", ""))


def _retry_after(response) -> float | None:
    reset = response.headers.get("x-rate-limit-reset")
    try:
        return max(float(reset) - time.time(), 0.0) if reset else None
    except ValueError:
        return None


class XAdapter(BearerApiAdapter):
    kind = "x"
    supports_delete = True
    supports_verify = True
    supports_reply = True
    moderation_actions = frozenset({"hide"})  # hide replies to our own tweets

    message_of = staticmethod(_message)
    retry_after_of = staticmethod(_retry_after)

    def verify(self, *, config: dict, secret: str) -> str:
        response = self.call_harmless(config, secret, "GET", "/2/users/me")
        return "@" + str((json_or_empty(response).get("data") or {}).get("username", ""))

    def _client(self, config: dict, secret: str):
        return bearer_client(config, secret, kind=self.kind, default_base_url="https://api.x.com")

    def publish(self, request: PublishRequest) -> PublishResult:
        text = text_as_sent(request.text, self.kind, request.link)
        if weighted_length(text) > TEXT_LIMIT:
            raise PermanentError(
                f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri ({weighted_length(text)})"
            )
        with self._client(request.config, request.secret) as client:
            response = send(
                client,
                "POST",
                "/2/tweets",
                secret=request.secret,
                kind=self.kind,
                json={"text": text},
            )
        self.raise_for(response, request.secret)
        tweet_id = str(response.json()["data"]["id"])
        return PublishResult(external_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

    def reply(self, request: ReplyRequest) -> PublishResult:
        if weighted_length(request.text) > TEXT_LIMIT:
            raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri")
        with self._client(request.config, request.secret) as client:
            response = send(
                client,
                "POST",
                "/2/tweets",
                secret=request.secret,
                kind=self.kind,
                json={"text": request.text, "reply": {"in_reply_to_tweet_id": request.in_reply_to}},
            )
        self.raise_for(response, request.secret)
        tweet_id = str(response.json()["data"]["id"])
        return PublishResult(external_id=tweet_id, url=f"https://x.com/i/web/status/{tweet_id}")

    def moderate(self, *, network_id: str, action: str, config: dict, secret: str) -> None:
        if action != "hide":
            raise PermanentError(f"{self.kind}: le risposte altrui si possono solo nascondere")
        self.call_harmless(
            config, secret, "PUT", f"/2/tweets/{network_id}/hidden", json={"hidden": True}
        )

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        self.call_harmless(config, secret, "DELETE", f"/2/tweets/{external_id}")
