import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.IGNORECASE)
# Pages read per collection at most: the next poll goes on from the cursor.
MAX_PAGES = 10


@dataclass(frozen=True)
class Incoming:
    """One message as the network gave it."""

    network_id: str
    kind: str  # ConversationKind value
    thread_key: str
    text: str = ""
    received_at: datetime | None = None
    author_id: str = ""
    author_name: str = ""
    author_handle: str = ""
    url: str = ""
    # The network id of the item it answers: one of our posts (links the conversation to the
    # post) or an earlier message (joins that message's conversation).
    parent_id: str = ""
    edited_at: datetime | None = None
    deleted: bool = False
    subject: str = ""  # an email's subject (newsletter replies)
    # The post it answers when the network names it otherwise than by a parent id (a reply
    # to a newsletter issue): resolved by the caller.
    post_id: int | None = None


@dataclass
class Batch:
    items: list[Incoming] = field(default_factory=list)
    cursor: str = ""


def plain_text(content: str) -> str:
    """The text of an HTML fragment (Mastodon's ``content``)."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", content or ""))).strip()


def parse_time(value) -> datetime | None:
    """An ISO 8601 string, or epoch seconds, as an aware datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
