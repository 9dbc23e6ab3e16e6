"""What the Facebook and Instagram adapters share: the Graph API's error shape.

``{"error": {"message": ..., "type": ..., "code": N, "error_subcode": M, "fbtrace_id": ...}}``.
Throttling codes (4, 17, 32, 613) may come with HTTP 400 or 403: they are transient anyway.
"""

from ._http import json_or_empty, raise_for_status, scrub
from .base import TransientError

GRAPH_BASE_URL = "https://graph.facebook.com/v21.0"
THROTTLING_CODES = {4, 17, 32, 341, 613}
# "Temporary issue" (2) and Instagram's "media not ready" (9007): the same call works later.
RETRY_LATER_CODES = {1, 2, 9007}


def graph_error(response) -> dict:
    return json_or_empty(response).get("error") or {}


def graph_message(response) -> str:
    error = graph_error(response)
    return str(error.get("message", ""))


def raise_for_graph(response, *, secret: str, kind: str) -> None:
    status = response.status_code
    throttled = graph_error(response).get("code") in THROTTLING_CODES
    if 400 <= status < 500 and status != 429 and throttled:
        raise TransientError(
            f"{kind}: limite di richieste raggiunto", status=response.status_code, retry_after=60.0
        )
    if 400 <= status < 500 and graph_error(response).get("code") in RETRY_LATER_CODES:
        raise TransientError(
            scrub(f"{kind}: {graph_message(response)}", secret), status=status, retry_after=10.0
        )
    raise_for_status(response, secret=secret, kind=kind, message_of=graph_message)
