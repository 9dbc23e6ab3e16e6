"""Mastodon: ``GET /api/v1/notifications`` of types ``mention`` (mentions, replies, direct
messages) and ``update`` (a status edited), read oldest first from the cursor with
``min_id`` and ``limit=40``; the cursor is the newest notification id seen.

A status with ``visibility: direct`` is a private message (one conversation per account);
a reply (``in_reply_to_id``) is a comment on what it answers; anything else a mention.
"""

from apps.inbox.enums import ConversationKind
from apps.publishing.adapters._http import json_or_empty, send
from apps.publishing.adapters.mastodon import MastodonAdapter

from .base import MAX_PAGES, Batch, Incoming, parse_time, plain_text

PAGE_SIZE = 40  # the API's maximum


def _incoming(notification: dict) -> Incoming | None:
    status = notification.get("status")
    if not isinstance(status, dict) or "id" not in status:
        return None
    account = status.get("account") or notification.get("account") or {}
    parent = str(status.get("in_reply_to_id") or "")
    if status.get("visibility") == "direct":
        kind, thread = ConversationKind.PRIVATE, f"dm:{account.get('id', '')}"
    elif parent:
        kind, thread = ConversationKind.COMMENT, str(status["id"])
    else:
        kind, thread = ConversationKind.MENTION, str(status["id"])
    return Incoming(
        network_id=str(status["id"]),
        kind=kind,
        thread_key=thread,
        text=plain_text(status.get("content", "")),
        received_at=parse_time(status.get("created_at")),
        author_id=str(account.get("id", "")),
        author_name=str(account.get("display_name") or ""),
        author_handle="@" + str(account.get("acct", "")) if account.get("acct") else "",
        url=str(status.get("url") or ""),
        parent_id=parent,
        edited_at=parse_time(status.get("edited_at"))
        if notification.get("type") == "update"
        else None,
    )


class MastodonCollector:
    kind = "mastodon"

    def collect(self, *, config: dict, secret: str, cursor: str) -> Batch:
        adapter = MastodonAdapter()
        batch = Batch(cursor=cursor)
        with adapter._client(config, secret) as client:
            for _page in range(MAX_PAGES):
                # min_id: the page just after the cursor, so nothing between two polls is
                # skipped however many arrived (0 at first: from the oldest kept).
                params = [
                    ("types[]", "mention"),
                    ("types[]", "update"),
                    ("limit", PAGE_SIZE),
                    ("min_id", batch.cursor or "0"),
                ]
                response = send(
                    client,
                    "GET",
                    "/api/v1/notifications",
                    secret=secret,
                    kind=self.kind,
                    may_duplicate=False,
                    params=params,
                )
                adapter.raise_for(response, secret)
                try:
                    page = response.json()
                except ValueError:
                    page = None
                if not isinstance(page, list):
                    page = [json_or_empty(response)] if json_or_empty(response) else []
                page = [n for n in page if isinstance(n, dict) and str(n.get("id", "")).isdigit()]
                for notification in sorted(page, key=lambda n: int(n["id"])):
                    item = _incoming(notification)
                    if item is not None:
                        batch.items.append(item)
                    batch.cursor = str(notification["id"])
                if len(page) < PAGE_SIZE:
                    break
        return batch
