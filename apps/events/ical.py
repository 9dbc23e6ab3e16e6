"""iCalendar (RFC 5545 + RFC 7986) bodies for the public feeds, built with icalendar.

Everything in a body derives from stored data (never "now"), so the same events give the
same bytes: DTSTAMP is the event's last modification, as a published feed means by it.
Escaping and 75-octet folding are icalendar's job (7.3+ handles untrusted text).
"""

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import icalendar
from django.conf import settings
from django.utils import timezone

from .models import Event, EventCategory, EventStatus

TZID = "Europe/Rome"
# Unicode Cc (C0 and C1 controls) but TAB and LF, and lone surrogates (Cs).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
REFRESH = timedelta(hours=1)
PRODID = "-//PA Planner//Eventi pubblici//IT"
# RFC 5545 STATUS for each event status: a postponed event has no sure date yet.
STATUS = {
    EventStatus.CONFIRMED: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
    EventStatus.POSTPONED: "TENTATIVE",
}
# VTIMEZONE observances cover the events' years plus this margin, for open-ended series.
TIMEZONE_YEARS_AHEAD = 3


def clean_text(value: str) -> str:
    """Text as iCalendar can carry it: line ends as LF, no control characters but TAB and LF
    (RFC 5545 TEXT forbids them). Forms store text this way, so the feed round-trips it."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def feed_name(category: EventCategory | None = None) -> str:
    base = f"{settings.COMUNE_NAME} · Eventi"
    return f"{base} · {category.name}" if category else base


def public_url(event: Event) -> str:
    return settings.SITE_URL + event.get_absolute_url()


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _local(value: datetime) -> datetime:
    return timezone.localtime(value, timezone.get_current_timezone())


def _rrule(event: Event) -> icalendar.vRecur:
    rule = icalendar.vRecur.from_ical(event.rrule)
    if event.repeat_until:
        if event.all_day:
            rule["UNTIL"] = [event.repeat_until]
        else:
            # With a TZID start, UNTIL must be UTC (RFC 5545 3.3.10): end of the local day.
            last = datetime.combine(event.repeat_until, time(23, 59, 59))
            rule["UNTIL"] = [_utc(timezone.make_aware(last))]
    return rule


def event_component(event: Event) -> icalendar.Event:
    component = icalendar.Event()
    component.add("uid", str(event.uid))
    # The category's name is part of the event (CATEGORIES): a rename is a revision too.
    revised = max(event.updated_at, event.category.updated_at or event.updated_at)
    component.add("dtstamp", _utc(revised))
    component.add("last-modified", _utc(revised))
    component.add("created", _utc(event.created_at))
    component.add("sequence", event.sequence)
    component.add("summary", clean_text(event.title))
    if event.all_day:
        component.add("dtstart", event.first_day)
        component.add("dtend", event.last_day + timedelta(days=1))  # exclusive
    else:
        component.add("dtstart", _local(event.starts_at))
        component.add("dtend", _local(event.ends_at))
    if event.rrule:
        component.add("rrule", _rrule(event))
    component.add("status", STATUS[event.status])
    # Public events are information, not appointments: never mark the subscriber busy.
    component.add("transp", "TRANSPARENT")
    component.add("url", public_url(event))
    if event.full_location:
        component.add("location", clean_text(event.full_location))
    if event.description:
        component.add("description", clean_text(event.description))
    component.add("categories", [clean_text(event.category.name)])
    component.add("class", "PUBLIC")
    return component


def _last_year(event: Event) -> int:
    """The last year an event has dates in: an open series goes on, so at least this year."""
    if event.rrule:
        if event.repeat_until:
            return event.repeat_until.year
        return max(event.ends_at.year, timezone.localdate().year)
    return event.ends_at.year


def _timezone_span(events: list[Event]) -> tuple[date, date]:
    """icalendar writes the VTIMEZONE as dated transitions between these two dates, so they
    must cover every occurrence: an open series moves the end along year after year (the
    body still changes only with the data and the day, like the feed's ETag)."""
    years = [e.starts_at.year for e in events] or [timezone.now().year]
    last_year = max([_last_year(e) for e in events] + years)
    return date(min(years) - 1, 1, 1), date(last_year + TIMEZONE_YEARS_AHEAD, 1, 1)


def build_calendar(
    events: Iterable[Event], *, name: str, description: str = ""
) -> icalendar.Calendar:
    events = list(events)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    if description:
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    calendar.add("x-wr-timezone", TZID)
    if any(not e.all_day for e in events):
        first, last = _timezone_span(events)
        calendar.add_component(icalendar.Timezone.from_tzid(TZID, first_date=first, last_date=last))
    for event in events:
        calendar.add_component(event_component(event))
    return calendar


def feed_bytes(events: Iterable[Event], *, category: EventCategory | None = None) -> bytes:
    description = (
        f"Eventi pubblici del {settings.COMUNE_NAME}"
        + (f", categoria {category.name}" if category else "")
        + "."
    )
    return build_calendar(events, name=feed_name(category), description=description).to_ical()


def single_event_bytes(event: Event) -> bytes:
    # The calendar name is one line: X-WR-CALNAME is not escaped by every client.
    name = " ".join(clean_text(event.title).split()) or feed_name()
    return build_calendar([event], name=name).to_ical()
