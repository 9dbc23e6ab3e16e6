"""Meta webhooks: Facebook Page comments (``feed``) and Messenger, Instagram comments,
mentions and Direct messages, in one endpoint.

Every delivery is signed: ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with
the app secret>``; a delivery without a valid signature is refused before anything is read.
Meta retries a delivery it thinks failed: storing is idempotent (by network id).
"""

import hashlib
import hmac
import json

from apps.channels.models import Channel

from .collectors.base import Incoming, parse_time
from .enums import ConversationKind


def signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta sends (used by the local test server)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def _messaging(event: dict, network: str) -> Incoming | None:
    message = event.get("message") or event.get("message_edit")
    if not isinstance(message, dict) or not message.get("mid") or message.get("is_echo"):
        return None  # our own answers come back as echoes
    sender = str((event.get("sender") or {}).get("id", ""))
    return Incoming(
        network_id=str(message["mid"]),
        kind=ConversationKind.PRIVATE,
        thread_key=f"dm:{sender}",
        text=str(message.get("text", "")),
        received_at=parse_time((event.get("timestamp") or 0) / 1000),
        author_id=sender,
        edited_at=parse_time((event.get("timestamp") or 0) / 1000)
        if "message_edit" in event
        else None,
        deleted=bool(message.get("is_deleted")),
    )


def _facebook_change(change: dict) -> Incoming | None:
    value = change.get("value") or {}
    if change.get("field") != "feed" or value.get("item") != "comment":
        return None
    comment_id = str(value.get("comment_id", ""))
    if not comment_id:
        return None
    author = value.get("from") or {}
    parent = str(value.get("parent_id") or value.get("post_id") or "")
    verb = value.get("verb")
    when = parse_time(value.get("created_time"))
    return Incoming(
        network_id=comment_id,
        kind=ConversationKind.COMMENT,
        thread_key=comment_id,
        text=str(value.get("message", "")),
        received_at=when,
        author_id=str(author.get("id", "")),
        author_name=str(author.get("name", "")),
        parent_id=parent,
        edited_at=when if verb == "edited" else None,
        deleted=verb == "remove",
    )


def _instagram_change(change: dict) -> Incoming | None:
    value = change.get("value") or {}
    field = change.get("field")
    if field == "comments" and value.get("id"):
        author = value.get("from") or {}
        parent = str(value.get("parent_id") or (value.get("media") or {}).get("id") or "")
        return Incoming(
            network_id=str(value["id"]),
            kind=ConversationKind.COMMENT,
            thread_key=str(value["id"]),
            text=str(value.get("text", "")),
            author_id=str(author.get("id", "")),
            author_handle="@" + author["username"] if author.get("username") else "",
            parent_id=parent,
        )
    if field == "mentions" and value.get("comment_id"):
        # The delivery names the comment only; its text is read by the inbox when opened.
        return Incoming(
            network_id=str(value["comment_id"]),
            kind=ConversationKind.MENTION,
            thread_key=str(value["comment_id"]),
            text=str(value.get("text", "")),
            parent_id=str(value.get("media_id", "")),
        )
    return None


def parse(payload: dict) -> list[tuple[str, str, Incoming]]:
    """(network, account id, item) for every message in a delivery."""
    network = {"page": "facebook", "instagram": "instagram"}.get(payload.get("object"))
    if network is None:
        return []
    found = []
    for entry in payload.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        account = str(entry.get("id", ""))
        for event in entry.get("messaging") or []:
            item = _messaging(event, network) if isinstance(event, dict) else None
            if item is not None:
                found.append((network, account, item))
        for change in entry.get("changes") or []:
            if not isinstance(change, dict):
                continue
            reader = _facebook_change if network == "facebook" else _instagram_change
            item = reader(change)
            if item is not None:
                found.append((network, account, item))
    return found


def channels_by_account(network: str) -> dict[str, Channel]:
    key = "page_id" if network == "facebook" else "ig_user_id"
    return {
        str((c.config or {}).get(key, "")): c
        for c in Channel.objects.filter(kind=network, active=True)
        if (c.config or {}).get(key)
    }


def load(body: bytes) -> dict | None:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None
