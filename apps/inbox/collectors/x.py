"""X: ``GET /2/users/:id/mentions`` with ``since_id`` = the cursor, newest first, paged with
``pagination_token`` (``meta.next_token``); the new cursor is the first page's
``meta.newest_id``. The account's id comes from ``config["user_id"]`` or ``GET /2/users/me``.

A mention that replies to a tweet (``referenced_tweets`` of type ``replied_to``) is a comment
on it; the thread is the tweet's ``conversation_id``.
"""

from apps.inbox.enums import ConversationKind
from apps.publishing.adapters._http import json_or_empty, send
from apps.publishing.adapters.x import XAdapter

from .base import MAX_PAGES, Batch, Incoming, parse_time

PAGE_SIZE = 100


def _incoming(tweet: dict, users: dict) -> Incoming:
    author = users.get(str(tweet.get("author_id")), {})
    replied = next(
        (
            str(ref.get("id"))
            for ref in tweet.get("referenced_tweets") or []
            if ref.get("type") == "replied_to"
        ),
        "",
    )
    return Incoming(
        network_id=str(tweet["id"]),
        kind=ConversationKind.COMMENT if replied else ConversationKind.MENTION,
        thread_key=str(tweet.get("conversation_id") or tweet["id"]),
        text=str(tweet.get("text", "")),
        received_at=parse_time(tweet.get("created_at")),
        author_id=str(tweet.get("author_id", "")),
        author_name=str(author.get("name", "")),
        author_handle="@" + author["username"] if author.get("username") else "",
        url=f"https://x.com/i/web/status/{tweet['id']}",
        parent_id=replied,
    )


class XCollector:
    kind = "x"

    def collect(self, *, config: dict, secret: str, cursor: str) -> Batch:
        adapter = XAdapter()
        batch = Batch(cursor=cursor)
        with adapter._client(config, secret) as client:
            user_id = str(config.get("user_id") or "")
            if not user_id:
                me = self._get(adapter, client, secret, "/2/users/me", {})
                user_id = str((me.get("data") or {}).get("id", ""))
            params = {
                "max_results": PAGE_SIZE,
                "tweet.fields": "created_at,conversation_id,referenced_tweets,author_id",
                "expansions": "author_id",
                "user.fields": "username,name",
            }
            if cursor:
                params["since_id"] = cursor
            for page in range(MAX_PAGES):
                body = self._get(adapter, client, secret, f"/2/users/{user_id}/mentions", params)
                meta = body.get("meta") or {}
                users = {
                    str(u.get("id")): u
                    for u in (body.get("includes") or {}).get("users") or []
                    if isinstance(u, dict)
                }
                tweets = [t for t in body.get("data") or [] if isinstance(t, dict) and "id" in t]
                batch.items.extend(_incoming(t, users) for t in reversed(tweets))
                if page == 0 and meta.get("newest_id"):
                    batch.cursor = str(meta["newest_id"])
                if not meta.get("next_token"):
                    break
                params = {**params, "pagination_token": meta["next_token"]}
        batch.items.sort(key=lambda i: int(i.network_id) if i.network_id.isdigit() else 0)
        return batch

    @staticmethod
    def _get(adapter, client, secret, path, params) -> dict:
        response = send(
            client, "GET", path, secret=secret, kind="x", may_duplicate=False, params=params
        )
        adapter.raise_for(response, secret)
        return json_or_empty(response)
