"""One adapter per channel kind: ``get_adapter(kind)``; ``override()`` for tests."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from .base import Adapter, ConfigurationError
from .bluesky import BlueskyAdapter
from .email_newsletter import EmailNewsletterAdapter
from .facebook import FacebookAdapter
from .instagram import InstagramAdapter
from .linkedin import LinkedInAdapter
from .mastodon import MastodonAdapter
from .outbox import OutboxAdapter
from .telegram import TelegramAdapter
from .threads import ThreadsAdapter
from .webhook import WebhookAdapter
from .website import WebsiteAdapter
from .wordpress import WordPressAdapter
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
        BlueskyAdapter,
        ThreadsAdapter,
        WordPressAdapter,
    )
}


# Stand-ins set by ``override()``: kind -> adapter (or exception), ``None`` for every kind.
_overrides: dict[str | None, Adapter | Exception] = {}


def get_adapter(kind: str) -> Adapter:
    stand_in = _overrides.get(kind, _overrides.get(None))
    if stand_in is None:
        return _real_adapter(kind)
    if isinstance(stand_in, Exception):
        raise stand_in
    return stand_in


@cache
def _real_adapter(kind: str) -> Adapter:
    try:
        return ADAPTERS[kind]()
    except KeyError:
        raise ConfigurationError(f"nessun adattatore per il tipo di canale {kind!r}") from None


@contextmanager
def override(adapter: Adapter | Exception, *, kind: str | None = None) -> Iterator[None]:
    """While open, ``get_adapter(kind)`` answers ``adapter`` (for every kind when ``kind`` is
    ``None``); an exception instance is raised instead, as a broken configuration would be.
    For tests (the ``adapter_override`` fixture); nothing in the application calls it."""
    previous = _overrides.get(kind, _MISSING)
    _overrides[kind] = adapter
    try:
        yield
    finally:
        if previous is _MISSING:
            del _overrides[kind]
        else:
            _overrides[kind] = previous


_MISSING = object()
