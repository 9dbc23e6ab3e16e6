"""The cached feed bodies and their validators (ETag, Last-Modified).

A single cache entry, the feed *version*, answers a poll: a token computed from the
database state (latest event or category change, number of events, the categories), the time of the
latest change and the active category slugs; every change of an event or a category
recomputes it. ETag and Last-Modified derive from it and from the local day (the feed window and
the cancellation retention move once a day), so a conditional GET costs one cache read and
no query; a full GET reads the body stored under a key naming that version.

The cache must be shared by all web processes (Redis in production, ``CACHE_URL``); with
the per-process default cache, another process notices a change when its own entry
expires (``VERSION_TIMEOUT``). Since the token is a function of the data, an expired entry
comes back identical and ETags stay stable.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from . import ical
from .models import Event, EventCategory
from .selectors import feed_events

logger = logging.getLogger(__name__)
VERSION_KEY = "events:feed-version"
VERSION_TIMEOUT = 60  # seconds; bounds the staleness of a per-process cache
BODY_TIMEOUT = 2 * 24 * 3600
ALL = "all"
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedMeta:
    scope: str  # "all" or a category slug
    etag: str
    last_modified: datetime
    day: str
    token: str


def _cache(operation: str, *args):
    """A cache call that never breaks a feed or a save: with the cache down, feeds are built
    from the database and changes still save (the version expires on its own)."""
    try:
        return getattr(cache, operation)(*args)
    except Exception:
        logger.warning("events feed cache: %s failed", operation, exc_info=True)
        return None


def _current_version() -> dict:
    state = Event.objects.aggregate(latest=Max("updated_at"), count=Count("id"))
    categories = list(
        EventCategory.objects.order_by("pk").values_list("slug", "name", "retired", "updated_at")
    )
    # A category's name is in its events (CATEGORIES) and in the feed's name: a rename is a
    # change of the body, so Last-Modified follows categories too (clients without ETags).
    latest = max([state["latest"] or EPOCH] + [updated_at for *_rest, updated_at in categories])
    token = hashlib.sha256(repr((latest, state["count"], categories)).encode()).hexdigest()[:16]
    return {
        "token": token,
        "at": latest.replace(microsecond=0),
        "slugs": [slug for slug, _name, retired, _at in categories if not retired],
    }


def forget_feed_version() -> None:
    """On a change, before commit: the next reader recomputes the version from what it sees.
    (Publishing a version computed from uncommitted data could pair it with an old body.)"""
    _cache("delete", VERSION_KEY)


def bump_feed_version() -> None:
    """After a change is committed: the version of the new data."""
    _cache("set", VERSION_KEY, _current_version(), VERSION_TIMEOUT)


def _version() -> dict:
    version = _cache("get", VERSION_KEY)
    if version is None:
        version = _current_version()
        # add, not set: a version published meanwhile by a commit is newer than ours.
        _cache("add", VERSION_KEY, version, VERSION_TIMEOUT)
    return version


def feed_meta(slug: str | None = None) -> FeedMeta | None:
    """Validators of a feed; None for an unknown or retired category."""
    version = _version()
    if slug is not None and slug not in version["slugs"]:
        return None
    scope = slug or ALL
    today = timezone.localdate()
    midnight = timezone.make_aware(datetime.combine(today, time(0, 0)))
    day = today.isoformat()
    tag = hashlib.sha256(f"{scope}:{version['token']}:{day}".encode()).hexdigest()[:24]
    return FeedMeta(
        scope=scope,
        etag=f'"{tag}"',
        last_modified=max(version["at"], midnight),
        day=day,
        token=version["token"],
    )


def _body_key(meta: FeedMeta) -> str:
    return f"events:feed:{meta.scope}:{meta.token}:{meta.day}"


def build_feed_body(slug: str | None = None, *, now: datetime | None = None) -> bytes:
    """The feed built from the database (no cache): the day's start is its "now"."""
    now = now or timezone.make_aware(datetime.combine(timezone.localdate(), time(0, 0)))
    category = None
    if slug is not None:
        category = EventCategory.objects.get(slug=slug, retired=False)
    return ical.feed_bytes(feed_events(now=now, category=category), category=category)


def feed_body(meta: FeedMeta) -> bytes:
    key = _body_key(meta)
    body = _cache("get", key)
    if body is None:
        body = build_feed_body(None if meta.scope == ALL else meta.scope)
        _cache("set", key, body, BODY_TIMEOUT)
    return body
