from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.cache import cache

from apps.events import feeds
from apps.events.models import EventCategory
from tests.factories import EventCategoryFactory, EventFactory

from .readers import READERS, install_ical_js

ROME = ZoneInfo("Europe/Rome")


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


def parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def vevents(body: bytes) -> list:
    return list(parse(body).walk("VEVENT"))


def make_event(**kwargs):
    kwargs.setdefault("starts_at", rome(2026, 12, 5, 21, 0))
    kwargs.setdefault("ends_at", kwargs["starts_at"].replace(hour=23))
    return EventFactory(**kwargs)


@pytest.fixture(scope="session")
def readers():
    """ical.js and vobject, each reading a body: ``{name: read(body)}``."""
    install_ical_js()
    return READERS


@pytest.fixture(autouse=True)
def _fresh_cache():
    flush_caches()
    yield
    flush_caches()


def flush_caches():
    """The shared cache and what this process keeps of the feeds (a restart, in effect)."""
    cache.clear()
    feeds.clear_local()


@pytest.fixture
def cultura(db):
    return EventCategory.objects.get(slug="cultura")


@pytest.fixture
def mercati(db):
    return EventCategory.objects.get(slug="mercati")


@pytest.fixture
def category(db):
    return EventCategoryFactory()


class BrokenCache:
    """A cache backend whose server is down: reads and writes raise."""

    def __init__(self, *args, **kwargs):
        pass

    def _fail(self, *args, **kwargs):
        raise ConnectionError("cache server unreachable")

    get = set = add = delete = get_many = set_many = incr = _fail

    def clear(self):
        pass

    def close(self, **kwargs):
        pass
