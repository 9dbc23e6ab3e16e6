"""Bluesky: ``GET /xrpc/app.bsky.notification.listNotifications`` with ``reasons`` reply and
mention (other reasons, from a server that ignores the filter, are left out here too), read
newest first and paged by the answer's ``cursor`` until the notification at our cursor; the
cursor is the ``indexedAt`` of the newest notification seen. Then
``app.bsky.notification.updateSeen`` with that moment, so the office's Bluesky app does not show
them again as new. At most ``MAX_PAGES`` pages (1,000 notifications) are read per poll.

A reply (``record.reply.parent``) is a comment on what it answers (one of our posts, or an
earlier message); anything else a mention. Bluesky's private chats are another service
(``chat.bsky``): not collected.
"""

from apps.inbox.enums import ConversationKind
from apps.publishing.adapters._http import json_or_empty, require, send
from apps.publishing.adapters.bluesky import BlueskyAdapter, post_url

from .base import MAX_PAGES, Batch, Incoming, parse_time

PAGE_SIZE = 100  # the API's maximum
REASONS = ("reply", "mention")


def _incoming(notification: dict) -> Incoming | None:
    uri, record = notification.get("uri"), notification.get("record")
    if notification.get("reason") not in REASONS or not isinstance(uri, str):
        return None
    if not isinstance(record, dict):
        record = {}
    author = notification.get("author") if isinstance(notification.get("author"), dict) else {}
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
    parent = reply.get("parent") if isinstance(reply.get("parent"), dict) else {}
    parent_uri = str(parent.get("uri") or "")
    kind = ConversationKind.COMMENT if parent_uri else ConversationKind.MENTION
    handle = str(author.get("handle") or "")
    return Incoming(
        network_id=uri,
        kind=kind,
        thread_key=uri,
        text=str(record.get("text") or ""),
        # When Bluesky saw it: ``createdAt`` is whatever the author's app wrote.
        received_at=(
            parse_time(notification.get("indexedAt")) or parse_time(record.get("createdAt"))
        ),
        author_id=str(author.get("did") or ""),
        author_name=str(author.get("displayName") or ""),
        author_handle=f"@{handle}" if handle else "",
        url=post_url(uri),
        parent_id=parent_uri,
    )


class BlueskyCollector:
    kind = "bluesky"

    def collect(self, *, config: dict, secret: str, cursor: str) -> Batch:
        adapter = BlueskyAdapter()
        own = require(config, "did", self.kind)
        since = parse_time(cursor) if cursor else None
        newest, newest_at = cursor, since
        found: list[Incoming] = []
        page_cursor = ""
        with adapter._client(config, secret) as client:
            for _page in range(MAX_PAGES):
                params = [("limit", PAGE_SIZE), *(("reasons", r) for r in REASONS)]
                if page_cursor:
                    params.append(("cursor", page_cursor))
                response = send(
                    client,
                    "GET",
                    "/xrpc/app.bsky.notification.listNotifications",
                    secret=secret,
                    kind=self.kind,
                    may_duplicate=False,
                    params=params,
                )
                adapter.raise_for(response, secret)
                body = json_or_empty(response)
                page = body.get("notifications")
                page = [n for n in page if isinstance(n, dict)] if isinstance(page, list) else []
                reached = False
                for notification in page:
                    indexed = parse_time(notification.get("indexedAt"))
                    if indexed is None:
                        continue
                    if since is not None and indexed < since:
                        reached = True  # newest first: the rest was read before
                        break
                    # (one at the cursor's very moment is read again: stored once by its id)
                    if newest_at is None or indexed > newest_at:
                        newest, newest_at = str(notification["indexedAt"]), indexed
                    author = notification.get("author")
                    if isinstance(author, dict) and author.get("did") == own:
                        continue  # our own answers come back as replies in the thread
                    item = _incoming(notification)
                    if item is not None:
                        found.append(item)
                page_cursor = str(body.get("cursor") or "")
                if reached or not page or not page_cursor:
                    break
            if newest and newest != cursor:
                # Marks them seen in the Comune's Bluesky app; our own cursor is what counts.
                response = send(
                    client,
                    "POST",
                    "/xrpc/app.bsky.notification.updateSeen",
                    secret=secret,
                    kind=self.kind,
                    may_duplicate=False,
                    json={"seenAt": newest},
                )
                adapter.raise_for(response, secret)
        found.reverse()  # oldest first, as the other collectors give them
        return Batch(items=found, cursor=newest)
