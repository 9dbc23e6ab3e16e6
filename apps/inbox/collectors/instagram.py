"""Instagram mentions: the webhook names the comment that mentions the account, not its text.
``GET /{ig-user-id}?fields=mentioned_comment.comment_id(<id>){text,username,timestamp}`` (the
Graph API's documented way to read a comment where we are mentioned) fills it in."""

import re

from apps.publishing.adapters._http import json_or_empty, require
from apps.publishing.adapters.instagram import InstagramAdapter

from .base import parse_time

GRAPH_ID = re.compile(r"^\d{1,30}$")


def fetch_mentioned_comment(*, config: dict, secret: str, comment_id: str) -> dict:
    """``{"text", "username", "timestamp"}`` of the comment (empty values when absent)."""
    if not GRAPH_ID.match(comment_id):
        return {}
    adapter = InstagramAdapter()
    ig_user = require(config, "ig_user_id", adapter.kind)
    fields = f"mentioned_comment.comment_id({comment_id}){{text,username,timestamp}}"
    response = adapter.call_harmless(
        config, secret, "GET", f"/{ig_user}", params={"fields": fields}
    )
    comment = json_or_empty(response).get("mentioned_comment") or {}
    return {
        "text": str(comment.get("text", "")),
        "username": str(comment.get("username", "")),
        "timestamp": parse_time(comment.get("timestamp")),
    }
