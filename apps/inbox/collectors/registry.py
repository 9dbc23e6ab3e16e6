"""The collector of each channel kind that is polled (Meta's kinds push through webhooks)."""

from .linkedin import LinkedInCollector
from .mastodon import MastodonCollector
from .telegram import TelegramCollector
from .x import XCollector

COLLECTORS = {cls.kind: cls for cls in (MastodonCollector, TelegramCollector, XCollector)}
COLLECTORS[LinkedInCollector.kind] = LinkedInCollector
# Kinds that deliver by webhook: their listening state follows the deliveries.
PUSHED_KINDS = frozenset({"facebook", "instagram", "newsletter"})


def collector_for(kind: str):
    cls = COLLECTORS.get(str(kind))
    return cls() if cls is not None else None
