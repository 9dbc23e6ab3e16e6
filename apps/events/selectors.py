"""Reads of public events: what citizens see, what the feeds publish, occurrences of series."""

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil import rrule as du
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Event, EventCategory, EventStatus, local_days

# Past events stay in the feeds this long, so subscribers keep last month's history.
FEED_PAST_DAYS = 90


@dataclass(frozen=True)
class Occurrence:
    """One dated instance of an event (the event itself when it does not repeat)."""

    event: Event
    starts_at: datetime
    ends_at: datetime

    @property
    def first_day(self) -> date:
        return local_days(self.starts_at, self.ends_at, self.event.all_day)[0]

    @property
    def last_day(self) -> date:
        return local_days(self.starts_at, self.ends_at, self.event.all_day)[1]


def active_categories() -> QuerySet[EventCategory]:
    return EventCategory.objects.filter(retired=False).order_by("name")


def cancellation_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=settings.CANCELLED_EVENT_RETENTION_DAYS)


def _visible_cancellations(now: datetime) -> Q:
    """Not cancelled, or cancelled recently enough that subscribed calendars still learn it."""
    return ~Q(status=EventStatus.CANCELLED) | Q(cancelled_at__gte=cancellation_cutoff(now))


def _not_over_before(cutoff: datetime) -> Q:
    """Ends after ``cutoff``, or is a series still running after it."""
    series = ~Q(rrule="") & (
        Q(repeat_until__isnull=True) | Q(repeat_until__gte=timezone.localtime(cutoff).date())
    )
    return Q(ends_at__gte=cutoff) | series


def feed_events(*, now: datetime, category: EventCategory | None = None) -> QuerySet[Event]:
    """What a feed publishes: published events, recent past included, cancelled ones kept
    for ``CANCELLED_EVENT_RETENTION_DAYS`` after cancellation so clients remove them."""
    events = Event.objects.filter(published=True).filter(
        _visible_cancellations(now), _not_over_before(now - timedelta(days=FEED_PAST_DAYS))
    )
    if category is not None:
        events = events.filter(category=category)
    return events.select_related("category").order_by("starts_at", "id")


def published_event(pk: int) -> Event | None:
    """A public event page: published only (a cancelled one still answers, marked)."""
    return Event.objects.select_related("category").filter(published=True, pk=pk).first()


def _local_naive(value: datetime) -> datetime:
    return timezone.localtime(value).replace(tzinfo=None)


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value, timezone.get_current_timezone())


def occurrences_of(event: Event, *, start: datetime, end: datetime) -> list[Occurrence]:
    """Occurrences overlapping [start, end). A series repeats in local wall time, so a 9:00
    market stays at 9:00 after the clock changes."""
    if not event.rrule:
        if event.starts_at < end and (event.ends_at > start or event.starts_at >= start):
            return [Occurrence(event, event.starts_at, event.ends_at)]
        return []
    first = _local_naive(event.starts_at)
    # RFC 5545 3.8.5.3: every occurrence lasts the first one's exact duration.
    duration = event.ends_at - event.starts_at
    length = _local_naive(event.ends_at) - first  # wall-clock span, for the window only
    until = None
    if event.repeat_until:
        until = datetime.combine(event.repeat_until, time(23, 59, 59))
    rule = du.rrulestr(event.rrule, dtstart=first, ignoretz=True)
    if until is not None:
        rule = rule.replace(until=until)
    window_start = _local_naive(start) - length - timedelta(days=1)
    window_end = _local_naive(end) + timedelta(days=1)
    found = []
    for naive in rule.between(window_start, window_end, inc=True):
        # Through UTC: a wall time the spring-forward night skips (02:30) is the instant an
        # hour later (03:30, as RFC 5545 3.3.5 reads it), not an impossible 02:30.
        begins = timezone.localtime(_aware(naive).astimezone(UTC))
        finishes = timezone.localtime(begins.astimezone(UTC) + duration)
        if begins < end and (finishes > start or begins >= start):
            found.append(Occurrence(event, begins, finishes))
    return found


def public_occurrences(
    *, start: datetime, end: datetime, category: EventCategory | None = None
) -> list[Occurrence]:
    """Occurrences of published events in [start, end), series expanded, in time order.
    Cancelled events stay listed (marked) during the retention period."""
    now = timezone.now()
    events = Event.objects.filter(published=True, starts_at__lt=end).filter(
        _visible_cancellations(now), _not_over_before(start)
    )
    if category is not None:
        events = events.filter(category=category)
    found: list[Occurrence] = []
    for event in events.select_related("category"):
        found.extend(occurrences_of(event, start=start, end=end))
    found.sort(key=lambda o: (o.starts_at, o.event.pk))
    return found


def public_events_between(*, start: datetime, end: datetime) -> list[Event]:
    """Published, not cancelled events that overlap [start, end), in time order.

    A recurring event appears once per occurrence in the window, as a copy whose
    ``starts_at``/``ends_at`` are that occurrence's (never saved).
    """
    events = []
    for occurrence in public_occurrences(start=start, end=end):
        if occurrence.event.is_cancelled:
            continue
        event = occurrence.event
        if event.rrule:
            event = copy.copy(event)
            event.starts_at, event.ends_at = occurrence.starts_at, occurrence.ends_at
        events.append(event)
    return events


def events_for_management(
    *,
    include_past: bool = False,
    status: str = "",
    category: EventCategory | None = None,
    text: str = "",
) -> QuerySet[Event]:
    events = Event.objects.select_related("category")
    if not include_past:
        events = events.filter(_not_over_before(timezone.now()))
    if status:
        events = events.filter(status=status)
    if category is not None:
        events = events.filter(category=category)
    if text:
        events = events.filter(Q(title__icontains=text) | Q(location_name__icontains=text))
    return events.order_by("starts_at", "id")
