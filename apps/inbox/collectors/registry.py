"""The collector of each channel kind that is polled (Meta's kinds push through webhooks)."""

from .bluesky import BlueskyCollector
from .linkedin import LinkedInCollector
from .mastodon import MastodonCollector
from .telegram import TelegramCollector
from .threads import ThreadsCollector
from .x import XCollector

POLLED = (
    MastodonCollector,
    TelegramCollector,
    XCollector,
    BlueskyCollector,
    ThreadsCollector,
    LinkedInCollector,
)
COLLECTORS = {cls.kind: cls for cls in POLLED}
# Kinds that deliver by webhook: their listening state follows the deliveries.
PUSHED_KINDS = frozenset({"facebook", "instagram", "newsletter"})


def collector_for(kind: str):
    cls = COLLECTORS.get(str(kind))
    return cls() if cls is not None else None
