"""The feed bodies and their validators (ETag, Last-Modified), built once per change.

**Versions.** One cache entry, the feed *version*, holds a token per feed: the "all" feed's
from every category and published event, a category feed's from that category and its own
published events (latest change and count). A change elsewhere leaves a category feed's
token, so its subscribers' polls keep answering 304. Every saved or deleted event or category
recomputes the version (``signals.py``). A web process keeps the version it read for
``LOCAL_VERSION_SECONDS``: a poll then costs no cache round trip, and another process's change
shows within those seconds. ETag and Last-Modified derive from the token and the local day
(the feed window and the cancellation retention move once a day); since a token is a function
of the data, an expired version comes back identical and ETags stay stable.

**Bodies.** Each process keeps the latest body of each feed, identity and gzip, with the
version it was built from; the shared cache keeps the gzip form under a key naming that
version. After a change one request rebuilds a feed, under a lock (a thread lock in the
process, an ``add``-lock in the shared cache across processes); every other request meanwhile
gets the body it would have had a moment before, with that body's own validators, so a client
never stores an old body under a new ETag. Building serialises only the events that changed
(``ical.event_bytes``).

The cache must be shared by all web processes (Redis in production, ``CACHE_URL``); with the
per-process default cache each process versions on its own, identically.
"""

import gzip
import hashlib
import logging
import threading
import time as clock
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cached_property

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from . import ical
from .models import Event, EventCategory
from .selectors import feed_events

logger = logging.getLogger(__name__)
VERSION_KEY = "events:feed-version:2"
VERSION_TIMEOUT = 60  # seconds; bounds the staleness of a per-process cache
LOCAL_VERSION_SECONDS = 3.0  # a process trusts the version it read this long
BODY_TIMEOUT = 2 * 24 * 3600
BUILD_LOCK_SECONDS = 120  # a crashed builder's lock expires after this
BUILD_WAIT_SECONDS = 30.0  # with no older body to serve, wait this long for the builder
ALL = ":all"  # never a slug
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
GZIP_LEVEL = 6


@dataclass(frozen=True)
class FeedBody:
    """One built feed: both encodings and the validators of the data it was built from."""

    scope: str  # "all" or a category slug
    token: str
    day: str
    last_modified: datetime
    identity: bytes
    gzipped: bytes

    @cached_property
    def tag(self) -> str:
        return hashlib.sha256(f"{self.scope}:{self.token}:{self.day}".encode()).hexdigest()[:24]

    def etag(self, *, gzipped: bool) -> str:
        """Each encoding is its own representation, with its own strong ETag (RFC 9110 8.8.3)."""
        return f'"{self.tag}-gz"' if gzipped else f'"{self.tag}"'

    @cached_property
    def last_modified_timestamp(self) -> int:
        return int(self.last_modified.timestamp())


_memo: dict = {"version": None, "until": 0.0}
_bodies: dict[str, FeedBody] = {}
_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


def _cache(operation: str, *args):
    """A cache call that never breaks a feed or a save: with the cache down, feeds are built
    from the database and changes still save. None means the call failed."""
    try:
        return getattr(cache, operation)(*args)
    except Exception:
        logger.warning("events feed cache: %s failed", operation, exc_info=True)
        return None


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def _current_version() -> dict:
    """A token and a last change per feed, from two aggregate queries."""
    per_category = {
        row["category_id"]: (row["latest"], row["count"])
        for row in Event.objects.filter(published=True)
        .values("category_id")
        .annotate(latest=Max("updated_at"), count=Count("id"))
        .order_by()
    }
    categories = list(
        EventCategory.objects.order_by("pk").values_list(
            "pk", "slug", "name", "retired", "updated_at"
        )
    )
    scopes = {}
    everything, last_change = [], EPOCH
    for pk, slug, name, retired, updated_at in categories:
        latest, count = per_category.get(pk, (None, 0))
        state = (pk, slug, name, retired, updated_at, latest, count)
        everything.append(state)
        # A category's name is in its events (CATEGORIES) and in the feed's name: a rename
        # moves Last-Modified too (for clients without ETags).
        at = max(latest or EPOCH, updated_at or EPOCH).replace(microsecond=0)
        last_change = max(last_change, at)
        if not retired:
            scopes[slug] = (_digest(state), at)
    scopes[ALL] = (_digest(everything), last_change)
    return {"scopes": scopes}


def _remember(version: dict | None) -> None:
    _memo["version"] = version
    _memo["until"] = clock.monotonic() + LOCAL_VERSION_SECONDS if version else 0.0


def forget_feed_version() -> None:
    """On a change, before commit: the next reader recomputes the version from what it sees.
    (Publishing a version computed from uncommitted data could pair it with an old body.)"""
    _remember(None)
    _cache("delete", VERSION_KEY)


def bump_feed_version() -> None:
    """After a change is committed: the version of the new data."""
    version = _current_version()
    _cache("set", VERSION_KEY, version, VERSION_TIMEOUT)
    _remember(version)


def _version() -> dict:
    version = _memo["version"]
    if version is not None and clock.monotonic() < _memo["until"]:
        return version
    version = _cache("get", VERSION_KEY)
    if version is None:
        version = _current_version()
        # add, not set: a version published meanwhile by a commit is newer than ours.
        _cache("add", VERSION_KEY, version, VERSION_TIMEOUT)
    _remember(version)
    return version


_day_memo: dict = {"until": 0.0, "day": None}


def _today() -> tuple[str, datetime]:
    """The local day and its midnight, worked out once a day per process (a poll's hot path)."""
    now = clock.time()
    if now >= _day_memo["until"]:
        today = timezone.localdate()
        midnight = timezone.make_aware(datetime.combine(today, time(0, 0)))
        tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), time(0, 0)))
        _day_memo.update(day=(today.isoformat(), midnight), until=tomorrow.timestamp())
    return _day_memo["day"]


def build_feed_body(slug: str | None = None, *, now: datetime | None = None) -> bytes:
    """The feed built from the database (no cache): the day's start is its "now"."""
    now = now or _today()[1]
    category = None
    if slug is not None:
        category = EventCategory.objects.get(slug=slug, retired=False)
    return ical.feed_bytes(feed_events(now=now, category=category), category=category)


def _body_key(scope: str, token: str, day: str) -> str:
    return f"events:feed:{scope}:{token}:{day}"


def _lock_key(scope: str) -> str:
    return f"events:feed-build:{scope}"


def _from_shared(scope: str, token: str, day: str, last_modified: datetime) -> FeedBody | None:
    gzipped = _cache("get", _body_key(scope, token, day))
    if gzipped is None:
        return None
    return FeedBody(scope, token, day, last_modified, gzip.decompress(gzipped), gzipped)


def _build(scope: str, token: str, day: str, last_modified: datetime) -> FeedBody:
    identity = build_feed_body(None if scope == ALL else scope)
    gzipped = gzip.compress(identity, compresslevel=GZIP_LEVEL, mtime=0)
    _cache("set", _body_key(scope, token, day), gzipped, BODY_TIMEOUT)
    return FeedBody(scope, token, day, last_modified, identity, gzipped)


def _fresh(scope: str, token: str, day: str, last_modified: datetime) -> FeedBody:
    """The body of this version: from the shared cache, or built here under the shared lock;
    while another process builds it, waited for (only when there is nothing older)."""
    deadline = clock.monotonic() + BUILD_WAIT_SECONDS
    while True:
        body = _from_shared(scope, token, day, last_modified)
        if body is not None:
            return body
        acquired = _cache("add", _lock_key(scope), token, BUILD_LOCK_SECONDS)
        if acquired is None or acquired or clock.monotonic() > deadline:
            try:
                return _build(scope, token, day, last_modified)
            finally:
                if acquired:
                    _cache("delete", _lock_key(scope))
        stale = _bodies.get(scope)
        if stale is not None:
            return stale
        clock.sleep(0.05)


def current_feed(slug: str | None = None) -> FeedBody | None:
    """The body to serve for a feed (None: unknown or retired category): the current one, or
    while it is being built, the previous one."""
    scopes = _version()["scopes"]
    scope = slug or ALL
    if scope not in scopes:
        return None
    token, at = scopes[scope]
    day, midnight = _today()
    body = _bodies.get(scope)
    if body is not None and body.token == token and body.day == day:
        return body
    lock = _locks[scope]
    # One thread per process fetches or builds; the others serve the older body, if any
    # (with none, they wait, then go ahead on their own).
    held = lock.acquire(blocking=body is None, timeout=BUILD_WAIT_SECONDS if body is None else -1)
    if not held and body is not None:
        return body
    try:
        current = _bodies.get(scope)
        if current is not None and current.token == token and current.day == day:
            return current
        current = _fresh(scope, token, day, max(at, midnight))
        if current.token == token:
            _bodies[scope] = current
        return current
    finally:
        if held:
            lock.release()


def clear_local() -> None:
    """Forget what this process keeps (tests, and the cache being cleared by hand)."""
    _remember(None)
    _bodies.clear()
    _day_memo["until"] = 0.0
