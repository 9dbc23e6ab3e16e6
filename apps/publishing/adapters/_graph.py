"""What the Facebook and Instagram adapters share: the Graph API's error shape.

``{"error": {"message": ..., "type": ..., "code": N, "error_subcode": M, "fbtrace_id": ...}}``.
Throttling codes (4, 17, 32, 613) may come with HTTP 400 or 403: they are transient anyway.
"""

import json

from ._http import (
    BearerApiAdapter,
    bearer_client,
    json_or_empty,
    raise_for_status,
    require,
    scrub,
    send,
)
from .base import ConfigurationError, GoneError, PublishResult, ReplyRequest, TransientError

GRAPH_BASE_URL = "https://graph.facebook.com/v21.0"
# Platform limits (4, 17, 32, 341, 613) and, for Page and Instagram tokens, the Business Use
# Case limits 80000-80014 (80001 Pages, 80002 Instagram): all come as HTTP 400/403.
THROTTLING_CODES = {4, 17, 32, 341, 613, *range(80000, 80015)}
DEFAULT_THROTTLE_WAIT = 60.0
# "Temporary issue" (2) and Instagram's "media not ready" (9007): the same call works later.
RETRY_LATER_CODES = {1, 2, 9007}
# Graph refuses who asks, not what, with HTTP 400 (or 403): the token is invalid or expired
# (190), the session is gone (102), a permission is missing (10, 200-299). Fixed in the
# channel's settings, like a 401 elsewhere; never "content rejected".
AUTHORIZATION_CODES = {10, 102, 190, *range(200, 300)}


def graph_error(response) -> dict:
    return json_or_empty(response).get("error") or {}


def graph_message(response) -> str:
    error = graph_error(response)
    return str(error.get("message", ""))


def regain_seconds(response) -> float | None:
    """The longest ``estimated_time_to_regain_access`` (minutes) of X-Business-Use-Case-Usage,
    ``{"<id>": [{"type": "pages", ..., "estimated_time_to_regain_access": 5}]}``, in seconds."""
    try:
        usage = json.loads(response.headers.get("X-Business-Use-Case-Usage") or "{}")
        minutes = max(
            float(entry.get("estimated_time_to_regain_access") or 0)
            for entries in usage.values()
            for entry in entries
        )
    except (TypeError, ValueError, AttributeError):  # absent, empty or not as documented
        return None
    return minutes * 60 if minutes > 0 else None


# "Unsupported get request. Object with ID '…' does not exist": code 100, subcode 33.
GONE_SUBCODE = 33


def raise_if_gone(response, *, kind: str) -> None:
    """A metrics read of a post deleted on Facebook or Instagram."""
    error = graph_error(response)
    if response.status_code >= 400 and (
        error.get("code") == 100 and error.get("error_subcode") == GONE_SUBCODE
    ):
        raise GoneError(f"{kind}: post non più presente", status=response.status_code)


def insight_values(response) -> dict:
    """``{"data": [{"name": …, "period": "lifetime", "values": [{"value": …}]}]}`` as
    ``{name: value}`` (a number, or a dict of numbers for the ``*_by_type`` metrics)."""
    values = {}
    data = json_or_empty(response).get("data")
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), list):
            continue
        points = [p for p in entry["values"] if isinstance(p, dict) and "value" in p]
        if points:
            values[str(entry.get("name", ""))] = points[-1]["value"]
    return values


def raise_for_graph(response, *, secret: str, kind: str) -> None:
    status = response.status_code
    throttled = graph_error(response).get("code") in THROTTLING_CODES
    if 400 <= status < 500 and status != 429 and throttled:
        raise TransientError(
            f"{kind}: limite di richieste raggiunto",
            status=response.status_code,
            retry_after=regain_seconds(response) or DEFAULT_THROTTLE_WAIT,
        )
    if 400 <= status < 500 and graph_error(response).get("code") in RETRY_LATER_CODES:
        raise TransientError(
            scrub(f"{kind}: {graph_message(response)}", secret), status=status, retry_after=10.0
        )
    if 400 <= status < 500 and graph_error(response).get("code") in AUTHORIZATION_CODES:
        raise ConfigurationError(scrub(f"{kind}: {graph_message(response)}", secret), status=status)
    raise_for_status(response, secret=secret, kind=kind, message_of=graph_message)


class GraphAdapter(BearerApiAdapter):
    """Facebook and Instagram: the same host, token header and error shape."""

    def _client(self, config: dict, secret: str):
        return bearer_client(config, secret, kind=self.kind, default_base_url=GRAPH_BASE_URL)

    def raise_for(self, response, secret: str) -> None:
        raise_for_graph(response, secret=secret, kind=self.kind)

    def insights(self, config: dict, secret: str, object_id: str, metrics: tuple[str, ...]):
        """``GET /{object-id}/insights?metric=…`` as ``{name: value}``."""
        with self._client(config, secret) as client:
            response = send(
                client,
                "GET",
                f"/{object_id}/insights",
                secret=secret,
                kind=self.kind,
                may_duplicate=False,
                params={"metric": ",".join(metrics)},
            )
        raise_if_gone(response, kind=self.kind)
        self.raise_for(response, secret)
        return insight_values(response)

    def fields(self, config: dict, secret: str, object_id: str, fields: str) -> dict:
        with self._client(config, secret) as client:
            response = send(
                client,
                "GET",
                f"/{object_id}",
                secret=secret,
                kind=self.kind,
                may_duplicate=False,
                params={"fields": fields},
            )
        raise_if_gone(response, kind=self.kind)
        self.raise_for(response, secret)
        return json_or_empty(response)

    # apps.inbox. A comment is answered under it (``/{comment-id}/<reply_edge>``); a private
    # message through the Send API (``/{account}/messages``, a RESPONSE within 24 hours).
    supports_reply = True
    moderation_actions = frozenset({"hide", "delete"})
    reply_edge = "comments"
    account_key = "page_id"
    hide_field = "is_hidden"

    def reply(self, request: ReplyRequest) -> PublishResult:
        with self._client(request.config, request.secret) as client:
            if request.private:
                account = require(request.config, self.account_key, self.kind)
                response = send(
                    client,
                    "POST",
                    f"/{account}/messages",
                    secret=request.secret,
                    kind=self.kind,
                    json={
                        "recipient": {"id": request.recipient},
                        "messaging_type": "RESPONSE",
                        "message": {"text": request.text},
                    },
                )
            else:
                response = send(
                    client,
                    "POST",
                    f"/{request.in_reply_to}/{self.reply_edge}",
                    secret=request.secret,
                    kind=self.kind,
                    data={"message": request.text},
                )
        self.raise_for(response, request.secret)
        body = json_or_empty(response)
        return PublishResult(external_id=str(body.get("message_id") or body.get("id") or ""))

    def moderate(self, *, network_id: str, action: str, config: dict, secret: str) -> None:
        if action == "delete":
            self.call_harmless(config, secret, "DELETE", f"/{network_id}")
        else:
            self.call_harmless(
                config, secret, "POST", f"/{network_id}", data={self.hide_field: "true"}
            )
