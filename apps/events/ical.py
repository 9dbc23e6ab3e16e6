"""iCalendar (RFC 5545 + RFC 7986) bodies for the public feeds, written line by line.

The text is written here, not by icalendar: its escaping turned a literal backslash before
an ``N`` (``C:\\Nuova``) into a line break in every reader, and it left TEXT properties of
the calendar (``NAME``, ``X-WR-CALNAME``) unescaped. Writing content lines is small enough to
own: escape (RFC 5545 3.3.11), fold at 75 octets on character boundaries (3.1), CRLF.

Everything in a body derives from stored data (never "now"), so the same events give the
same bytes: DTSTAMP is the event's last modification, as a published feed means by it. Each
event is serialised once per revision and kept in process (``_EVENT_LINES``): a feed of
5,000 events rebuilt after a one-event change serialises one event.
"""

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

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
# Most clients show a TENTATIVE or CANCELLED event like any other: the summary says it, as
# public calendars do. The feeds are in Italian for every subscriber (one body per feed).
SUMMARY_PREFIX = {
    EventStatus.CANCELLED: "ANNULLATO – ",
    EventStatus.POSTPONED: "RINVIATO – ",
}
# Europe/Rome as every client reads it: one yearly rule per observance (EU rules since 1996:
# last Sunday of March 02:00 local → +02:00, last Sunday of October 03:00 local → +01:00).
# DTSTART is the local time *before* the change (RFC 5545 3.6.5). Dated RDATE lists, as
# icalendar writes them, are read as their first value only by ical.js and vobject.
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    f"X-LIC-LOCATION:{TZID}",
    "BEGIN:DAYLIGHT",
    "TZNAME:CEST",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "DTSTART:19960331T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZNAME:CET",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "DTSTART:19961027T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)
CRLF = b"\r\n"
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})
# Serialised VEVENTs by revision; bounded, dropped whole when full (rebuilt on demand).
_EVENT_LINES: dict[tuple, bytes] = {}
EVENT_CACHE_SIZE = 50_000


def clean_text(value: str) -> str:
    """Text as iCalendar can carry it: line ends as LF, no control characters but TAB and LF
    (RFC 5545 TEXT forbids them). Forms store text this way, so the feed round-trips it."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash first, then ``;`` ``,`` and line breaks. A
    literal ``\\N`` stays a backslash and an ``N``."""
    return clean_text(value).translate(_TEXT_ESCAPES)


def one_line(value: str) -> str:
    """Whitespace runs (line breaks included) as one space: names are one line."""
    return " ".join(clean_text(value).split())


def content_line(line: str) -> bytes:
    """One content line folded at 75 octets, never inside a UTF-8 sequence (RFC 5545 3.1)."""
    raw = line.encode()
    if len(raw) <= 75:
        return raw + CRLF
    parts, start, limit = [], 0, 75
    while len(raw) - start > limit:
        end = start + limit
        while raw[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        parts.append(raw[start:end])
        start, limit = end, 74  # continuation lines start with a space
    parts.append(raw[start:])
    return b"\r\n ".join(parts) + CRLF


def feed_name(category: EventCategory | None = None) -> str:
    base = f"{settings.COMUNE_NAME} · Eventi"
    return f"{base} · {one_line(category.name)}" if category else base


def public_url(event: Event) -> str:
    return settings.SITE_URL + event.get_absolute_url()


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def _uri(value: str) -> str:
    """A URI value (not escaped, RFC 5545 3.3.13): forms accept only http(s) URLs without
    spaces; whitespace saved another way is dropped, so it cannot break the line."""
    return "".join(clean_text(value).split())


def _utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def _local(value: datetime) -> datetime:
    return timezone.localtime(value, timezone.get_current_timezone())


def is_ambiguous(local: datetime) -> bool:
    """A wall time the fall-back night has twice (02:00-02:59 on the last Sunday of October)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _timed(name: str, value: datetime, *, series: bool) -> str:
    """A local time with its TZID; in the fall-back hour in UTC instead: RFC 5545 (3.3.5)
    means the first pass by a repeated local time, but ical.js reads the second, and the
    second pass cannot be written in local time at all. A series keeps the TZID form: it
    repeats in wall time (forms refuse series in that hour)."""
    local = _local(value)
    if not series and is_ambiguous(local):
        return f"{name}:{_utc_stamp(value)}"
    return f"{name};TZID={TZID}:{local:%Y%m%dT%H%M%S}"


def _rrule(event: Event) -> str:
    parts = [part for part in event.rrule.split(";") if part]
    if event.repeat_until:
        if event.all_day:
            parts.append(f"UNTIL={_day(event.repeat_until)}")
        else:
            # With a TZID start, UNTIL must be UTC (RFC 5545 3.3.10): end of the local day.
            last = timezone.make_aware(datetime.combine(event.repeat_until, time(23, 59, 59)))
            parts.append(f"UNTIL={_utc_stamp(last)}")
    return "RRULE:" + ";".join(parts)


def summary(event: Event) -> str:
    """The title, prefixed with the status when clients would not show it."""
    return SUMMARY_PREFIX.get(event.status, "") + clean_text(event.title)


def _description(event: Event) -> str:
    """The description; with an external link as URL, the public page closes it (it is the
    Comune's own page of the event, with the latest news)."""
    text = clean_text(event.description)
    if event.link:
        page = f"Scheda dell'evento: {public_url(event)}"
        text = f"{text}\n\n{page}" if text else page
    return text


def _image_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()
    return {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}.get(
        extension, f"image/{extension}"
    )


def _event_lines(event: Event) -> list[str]:
    # The category's name is part of the event (CATEGORIES): a rename is a revision too.
    revised = max(event.updated_at, event.category.updated_at or event.updated_at)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc_stamp(revised)}",
        f"LAST-MODIFIED:{_utc_stamp(revised)}",
        f"CREATED:{_utc_stamp(event.created_at)}",
        f"SEQUENCE:{event.sequence}",
        f"SUMMARY:{escape_text(summary(event))}",
    ]
    if event.all_day:
        lines.append(f"DTSTART;VALUE=DATE:{_day(event.first_day)}")
        lines.append(f"DTEND;VALUE=DATE:{_day(event.last_day + timedelta(days=1))}")  # exclusive
    else:
        series = bool(event.rrule)
        lines.append(_timed("DTSTART", event.starts_at, series=series))
        lines.append(_timed("DTEND", event.ends_at, series=series))
    if event.rrule:
        lines.append(_rrule(event))
    lines += [
        f"STATUS:{STATUS[event.status]}",
        # Public events are information, not appointments: never mark the subscriber busy.
        "TRANSP:TRANSPARENT",
        f"URL;VALUE=URI:{_uri(event.link or public_url(event))}",
    ]
    if event.full_location:
        lines.append(f"LOCATION:{escape_text(event.full_location)}")
    description = _description(event)
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if event.image:
        lines.append(
            f"IMAGE;VALUE=URI;DISPLAY=BADGE;FMTTYPE={_image_type(event.image.name)}:"
            f"{_uri(_absolute(event.image.url))}"
        )
    lines += [f"CATEGORIES:{escape_text(event.category.name)}", "CLASS:PUBLIC", "END:VEVENT"]
    return lines


def _revision(event: Event) -> tuple:
    """Everything a serialised event depends on besides its own revision stamp."""
    category = event.category
    return (
        event.pk,
        event.uid,
        event.updated_at,
        event.sequence,
        event.status,
        category.pk,
        category.name,
        category.updated_at,
        settings.SITE_URL,
        settings.TIME_ZONE,
    )


def event_bytes(event: Event) -> bytes:
    """The VEVENT of an event, serialised once per revision of a saved event: every change
    through a save moves ``updated_at`` (an unsaved or hand-built one is written each time)."""
    if event._state.adding or event.updated_at is None:
        return b"".join(content_line(line) for line in _event_lines(event))
    key = _revision(event)
    body = _EVENT_LINES.get(key)
    if body is None:
        body = b"".join(content_line(line) for line in _event_lines(event))
        if len(_EVENT_LINES) >= EVENT_CACHE_SIZE:
            _EVENT_LINES.clear()
        _EVENT_LINES[key] = body
    return body


def build_calendar(events: Iterable[Event], *, name: str, description: str = "") -> bytes:
    events = list(events)
    head = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape_text(name)}",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    if description:
        head += [
            f"DESCRIPTION:{escape_text(description)}",
            f"X-WR-CALDESC:{escape_text(description)}",
        ]
    head += ["REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H"]
    head.append(f"X-WR-TIMEZONE:{TZID}")
    if any(not e.all_day for e in events):
        head += VTIMEZONE
    chunks = [content_line(line) for line in head]
    chunks += [event_bytes(event) for event in events]
    chunks.append(content_line("END:VCALENDAR"))
    return b"".join(chunks)


def feed_description(category: EventCategory | None = None) -> str:
    return (
        f"Eventi pubblici del {settings.COMUNE_NAME}"
        + (f", categoria {one_line(category.name)}" if category else "")
        + "."
    )


def feed_bytes(events: Iterable[Event], *, category: EventCategory | None = None) -> bytes:
    return build_calendar(events, name=feed_name(category), description=feed_description(category))


def single_event_bytes(event: Event) -> bytes:
    return build_calendar([event], name=one_line(event.title) or feed_name())
