"""LinkedIn: comments on the organization's posts we sent in the last
``PA_PLANNER_INBOX_LINKEDIN_DAYS`` days (the network has no mentions feed for pages), read
with ``GET /rest/socialActions/{post urn}/comments?start=<n>&count=100``, page after page
(``paging.total``). ``posts`` (the sent posts' URNs) is given by ``apps.inbox.collecting``.

The cursor is a JSON object ``{post urn: comments total last seen}`` for the posts with more
than one page (as many as fit): such a post whose total has not changed is read one page
only. Every other post is read whole at each poll (one request for up to 100 comments);
storing is idempotent, so reading a page again stores nothing.

Each top-level comment starts a thread (a comment on our post); a comment with
``parentComment`` joins the thread of the comment it answers. Our own comments (the
organization as ``actor``) are skipped. An edit is ``lastModified.time`` later than
``created.time``.
"""

import json
from urllib.parse import quote

from apps.inbox.enums import ConversationKind
from apps.publishing.adapters._http import json_or_empty, send
from apps.publishing.adapters.linkedin import LinkedInAdapter

from .base import MAX_PAGES, Batch, Incoming, parse_time

PAGE_SIZE = 100
MAX_POSTS = 200  # posts read per collection at most (the most recent first)


def _time(block) -> object:
    if not isinstance(block, dict) or not isinstance(block.get("time"), int | float):
        return None
    return parse_time(block["time"] / 1000)


def _incoming(comment: dict, post_urn: str) -> Incoming | None:
    urn = str(comment.get("commentUrn") or "")
    if not urn and comment.get("id"):
        urn = f"urn:li:comment:({post_urn},{comment['id']})"
    if not urn:
        return None
    actor = str(comment.get("actor") or "")
    parent = str(comment.get("parentComment") or "")
    created, modified = _time(comment.get("created")), _time(comment.get("lastModified"))
    message = comment.get("message") or {}
    return Incoming(
        network_id=urn,
        kind=ConversationKind.COMMENT,
        thread_key=parent or urn,
        text=str(message.get("text", "") if isinstance(message, dict) else ""),
        received_at=created,
        author_id=actor,
        # A reply joins the thread of the comment it answers; a top-level comment links
        # the post (our delivery's external id).
        parent_id=parent or post_urn,
        url=f"https://www.linkedin.com/feed/update/{post_urn}/",
        edited_at=modified if created and modified and modified > created else None,
    )


def _load_cursor(cursor: str) -> dict[str, int]:
    try:
        data = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, int)}


class LinkedInCollector:
    kind = "linkedin"
    # ``apps.inbox.collecting`` passes ``posts``: the URNs of our recently sent posts.
    reads_our_posts = True

    def collect(self, *, config: dict, secret: str, cursor: str, posts=()) -> Batch:
        adapter = LinkedInAdapter()
        organization = f"urn:li:organization:{config.get('organization_id', '')}"
        seen = _load_cursor(cursor)
        totals: dict[str, int] = {}
        batch = Batch()
        with adapter._client(config, secret) as client:
            for post_urn in list(posts)[:MAX_POSTS]:
                path = f"/rest/socialActions/{quote(post_urn, safe='')}/comments"
                start = 0
                for _page in range(MAX_PAGES):
                    response = send(
                        client,
                        "GET",
                        path,
                        secret=secret,
                        kind=self.kind,
                        may_duplicate=False,
                        params={"start": start, "count": PAGE_SIZE},
                    )
                    adapter.raise_for(response, secret)
                    body = json_or_empty(response)
                    elements = [e for e in body.get("elements") or [] if isinstance(e, dict)]
                    total = (body.get("paging") or {}).get("total")
                    total = total if isinstance(total, int) else None
                    if start == 0 and total is not None:
                        totals[post_urn] = total
                    for comment in elements:
                        if str(comment.get("actor") or "") == organization:
                            continue  # our own answers
                        item = _incoming(comment, post_urn)
                        if item is not None:
                            batch.items.append(item)
                    start += len(elements)
                    if (
                        len(elements) < PAGE_SIZE
                        or (total is not None and start >= total)
                        or (total is not None and seen.get(post_urn) == total)
                    ):
                        break
        batch.items.sort(key=lambda i: (i.received_at is None, i.received_at or 0))
        batch.cursor = _cursor(totals)
        return batch


def _cursor(totals: dict[str, int]) -> str:
    """The totals of the posts with more than one page (the others are read whole anyway),
    as many as fit the cursor's 500 characters."""
    kept: dict[str, int] = {}
    for urn, total in totals.items():
        if total <= PAGE_SIZE:
            continue
        if len(json.dumps({**kept, urn: total}, separators=(",", ":"))) > 500:
            break
        kept[urn] = total
    return json.dumps(kept, separators=(",", ":")) if kept else ""
