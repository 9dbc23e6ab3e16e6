"""The collector of each channel kind that is polled (Meta's kinds push through webhooks)."""

from .bluesky import BlueskyCollector
from .mastodon import MastodonCollector
from .telegram import TelegramCollector
from .x import XCollector

COLLECTORS = {
    cls.kind: cls for cls in (MastodonCollector, TelegramCollector, XCollector, BlueskyCollector)
}
# Kinds that deliver by webhook: their listening state follows the deliveries.
PUSHED_KINDS = frozenset({"facebook", "instagram"})


def collector_for(kind: str):
    cls = COLLECTORS.get(str(kind))
    return cls() if cls is not None else None
