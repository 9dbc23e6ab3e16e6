"""One adapter per channel kind: ``get_adapter(kind)``."""

from functools import cache

from .base import Adapter, ConfigurationError
from .email_newsletter import EmailNewsletterAdapter
from .facebook import FacebookAdapter
from .instagram import InstagramAdapter
from .linkedin import LinkedInAdapter
from .mastodon import MastodonAdapter
from .outbox import OutboxAdapter
from .telegram import TelegramAdapter
from .webhook import WebhookAdapter
from .website import WebsiteAdapter
from .x import XAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    cls.kind: cls
    for cls in (
        MastodonAdapter,
        TelegramAdapter,
        FacebookAdapter,
        InstagramAdapter,
        XAdapter,
        LinkedInAdapter,
        EmailNewsletterAdapter,
        WebsiteAdapter,
        WebhookAdapter,
        OutboxAdapter,
    )
}


@cache
def get_adapter(kind: str) -> Adapter:
    try:
        return ADAPTERS[kind]()
    except KeyError:
        raise ConfigurationError(f"nessun adattatore per il tipo di canale {kind!r}") from None
