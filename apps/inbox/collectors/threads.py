"""Threads: replies to our posts. Threads has no notifications of replies to read, so each
poll lists the account's newest posts (``GET /me/threads``, ``RECENT_POSTS`` of them, with
``has_replies``) and, for those with replies, reads ``GET /{post}/conversation`` (every reply,
nested ones too, newest first, paged by ``after``) down to the cursor: the ``timestamp`` of the
newest reply seen, less ``OVERLAP`` (a reply the API shows a little late is not skipped; one
read twice is stored once, by its id). Our own answers (``is_reply_owned_by_me``) are skipped.

Each poll costs 1 + (posts with replies) requests: with the inbox's one-minute poll and 25
posts, at most 26 a minute, under Threads' per-account limits for a Comune's audience; a
throttled answer (code 4) waits for ``X-Business-Use-Case-Usage``. Mentions of the account
outside our threads are not read (``/me/mentions`` needs another permission).
"""

from datetime import timedelta

from apps.inbox.enums import ConversationKind
from apps.publishing.adapters._graph import raise_for_graph
from apps.publishing.adapters._http import json_or_empty, send
from apps.publishing.adapters.threads import ThreadsAdapter

from .base import Batch, Incoming, parse_time

RECENT_POSTS = 25
PAGE_SIZE = 100
PAGES_PER_POST = 3
OVERLAP = timedelta(minutes=10)
FIELDS = "id,text,username,timestamp,permalink,replied_to,root_post,is_reply_owned_by_me"


def _incoming(reply: dict) -> Incoming | None:
    if not isinstance(reply.get("id"), str) or reply.get("is_reply_owned_by_me"):
        return None
    parent = reply.get("replied_to") if isinstance(reply.get("replied_to"), dict) else {}
    username = str(reply.get("username") or "")
    return Incoming(
        network_id=reply["id"],
        kind=ConversationKind.COMMENT,
        thread_key=reply["id"],
        text=str(reply.get("text") or ""),
        received_at=parse_time(reply.get("timestamp")),
        author_id=username,
        author_name="",
        author_handle=f"@{username}" if username else "",
        url=str(reply.get("permalink") or ""),
        parent_id=str(parent.get("id") or ""),
    )


class ThreadsCollector:
    kind = "threads"

    def collect(self, *, config: dict, secret: str, cursor: str) -> Batch:
        adapter = ThreadsAdapter()
        since = parse_time(cursor) if cursor else None
        newest, newest_at = cursor, since
        found: dict[str, Incoming] = {}
        with adapter._client(config, secret) as client:

            def get(path: str, params: dict):
                response = send(
                    client,
                    "GET",
                    path,
                    secret=secret,
                    kind=self.kind,
                    may_duplicate=False,
                    params=params,
                )
                raise_for_graph(response, secret=secret, kind=self.kind)
                return json_or_empty(response)

            posts = get(
                "/me/threads", {"fields": "id,timestamp,has_replies", "limit": RECENT_POSTS}
            )
            for post in posts.get("data") or []:
                if not isinstance(post, dict) or not post.get("has_replies"):
                    continue
                after = ""
                for _page in range(PAGES_PER_POST):
                    params = {"fields": FIELDS, "reverse": "true", "limit": PAGE_SIZE}
                    if after:
                        params["after"] = after
                    body = get(f"/{post['id']}/conversation", params)
                    page = [r for r in body.get("data") or [] if isinstance(r, dict)]
                    reached = False
                    for reply in page:
                        moment = parse_time(reply.get("timestamp"))
                        if moment is None:
                            continue
                        if since is not None and moment < since - OVERLAP:
                            reached = True  # newest first: the rest was read before
                            break
                        if newest_at is None or moment > newest_at:
                            newest, newest_at = str(reply["timestamp"]), moment
                        item = _incoming(reply)
                        if item is not None:
                            found[item.network_id] = item
                    paging = body.get("paging")
                    paging = paging if isinstance(paging, dict) else {}
                    cursors = paging.get("cursors")
                    after = str(cursors.get("after") or "") if isinstance(cursors, dict) else ""
                    if reached or not page or not after or not paging.get("next"):
                        break
        items = sorted(found.values(), key=lambda i: (i.received_at is None, i.received_at))
        return Batch(items=items, cursor=newest)
