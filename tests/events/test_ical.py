"""The feed body against RFC 5545 / RFC 7986, read back by icalendar and by ics."""

from datetime import UTC, date, datetime, timedelta

import ics
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.events import ical
from apps.events.models import Event, EventStatus
from apps.events.services import update_event

from .conftest import make_event, parse, rome, vevents

pytestmark = pytest.mark.django_db

SITE = "https://www.comune.esempio.it"
HOSTILE_TITLE = 'Concerto, "jazz"; a \\ b\nseconda riga'
ITALIAN = (
    "Perché è già più facile così: la città festeggerà l'università con un caffè, "
    "un tè e tanta qualità, però senz'altro più là dell'àncora — così dicono. 🎉🇮🇹 "
)
INJECTION = "END:VEVENT\nBEGIN:VEVENT\nUID:falso\nSUMMARY:Evento inventato\nEND:VEVENT"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.COMUNE_NAME = "Comune di Esempio"


def _lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    return body[:-2].split(b"\r\n")


def test_the_feed_has_the_calendar_properties_clients_read(cultura):
    make_event(category=cultura)
    body = ical.feed_bytes([make_event(category=cultura)])
    calendar = parse(body)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == ical.PRODID
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["NAME"] == "Comune di Esempio · Eventi"
    assert calendar["X-WR-CALNAME"] == "Comune di Esempio · Eventi"
    assert calendar["X-WR-TIMEZONE"] == "Europe/Rome"
    lines = _lines(body)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert b"X-PUBLISHED-TTL:PT1H" in lines
    timezones = list(calendar.walk("VTIMEZONE"))
    assert [tz["TZID"] for tz in timezones] == ["Europe/Rome"]


def test_a_dst_crossing_event_is_written_in_local_time_with_its_timezone(cultura):
    # 29 March 2026: clocks go from 02:00 to 03:00, so 01:30-04:00 lasts 1 h 30 min.
    event = make_event(
        category=cultura, starts_at=rome(2026, 3, 29, 1, 30), ends_at=rome(2026, 3, 29, 4, 0)
    )
    body = ical.feed_bytes([event])
    assert b"DTSTART;TZID=Europe/Rome:20260329T013000" in _lines(body)
    assert b"DTEND;TZID=Europe/Rome:20260329T040000" in _lines(body)
    (vevent,) = vevents(body)
    assert vevent.start == rome(2026, 3, 29, 1, 30)
    # Same-zone subtraction in Python is wall-clock: compare real instants in UTC.
    assert vevent.end.astimezone(UTC) - vevent.start.astimezone(UTC) == timedelta(minutes=90)
    (other,) = ics.Calendar(body.decode()).events
    assert other.begin.datetime == rome(2026, 3, 29, 1, 30)
    assert other.end.datetime.astimezone(UTC) - other.begin.datetime.astimezone(UTC) == timedelta(
        minutes=90
    )


def test_an_all_day_multi_day_event_uses_dates_with_an_exclusive_end(cultura):
    event = make_event(
        category=cultura,
        all_day=True,
        starts_at=rome(2026, 12, 4, 0, 0),
        ends_at=rome(2026, 12, 7, 0, 0),  # 4, 5 and 6 December
    )
    body = ical.feed_bytes([event])
    lines = _lines(body)
    assert b"DTSTART;VALUE=DATE:20261204" in lines
    assert b"DTEND;VALUE=DATE:20261207" in lines
    (vevent,) = vevents(body)
    assert (vevent.start, vevent.end) == (date(2026, 12, 4), date(2026, 12, 7))


def test_uid_stays_and_stamps_follow_the_last_change(cultura):
    event = make_event(category=cultura)
    (before,) = vevents(ical.feed_bytes([event]))
    update_event(
        event=event, by=None, starts_at=rome(2026, 12, 6, 21), ends_at=rome(2026, 12, 6, 23)
    )
    event.refresh_from_db()
    (after,) = vevents(ical.feed_bytes([event]))
    assert str(before["UID"]) == str(after["UID"]) == str(event.uid)
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1 == 1
    assert after.DTSTAMP == event.updated_at.astimezone(UTC).replace(microsecond=0)
    assert after.last_modified == event.updated_at.astimezone(UTC).replace(microsecond=0)


def test_renaming_the_category_is_a_revision_of_its_events(cultura):
    event = make_event(category=cultura)
    Event.objects.filter(pk=event.pk).update(updated_at=event.updated_at - timedelta(days=1))
    cultura.name = "Cultura e spettacolo"
    cultura.save()
    event = Event.objects.select_related("category").get(pk=event.pk)
    (vevent,) = vevents(ical.feed_bytes([event]))
    assert [str(c) for c in vevent["CATEGORIES"].cats] == ["Cultura e spettacolo"]
    revised = cultura.updated_at.astimezone(UTC).replace(microsecond=0)
    assert vevent.DTSTAMP == vevent.last_modified == revised
    assert vevent["SEQUENCE"] == 0


def test_the_same_events_give_the_same_bytes(cultura):
    event = make_event(category=cultura)
    assert ical.feed_bytes([event]) == ical.feed_bytes([event])


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (EventStatus.CONFIRMED, "CONFIRMED"),
        (EventStatus.CANCELLED, "CANCELLED"),
        (EventStatus.POSTPONED, "TENTATIVE"),
    ],
)
def test_the_status_follows_the_event(cultura, status, expected):
    (vevent,) = vevents(ical.feed_bytes([make_event(category=cultura, status=status)]))
    assert vevent["STATUS"] == expected


def test_a_weekly_series_has_an_rrule_with_a_utc_until(mercati):
    event = make_event(
        category=mercati,
        starts_at=rome(2026, 10, 3, 8, 0),
        ends_at=rome(2026, 10, 3, 13, 0),
        rrule="FREQ=WEEKLY",
        repeat_until=date(2026, 12, 26),
    )
    body = ical.feed_bytes([event])
    assert b"RRULE:FREQ=WEEKLY;UNTIL=20261226T225959Z" in _lines(body)
    (other,) = ics.Calendar(body.decode()).events
    assert other.name == event.title


def test_url_location_description_and_categories_are_written(cultura):
    event = make_event(
        category=cultura,
        location_name="Teatro comunale",
        address="Via Roma 1",
        description="Ingresso libero.",
    )
    (vevent,) = vevents(ical.feed_bytes([event]))
    assert vevent["URL"] == f"{SITE}/eventi/{event.pk}/"
    assert vevent["LOCATION"] == "Teatro comunale, Via Roma 1"
    assert vevent["DESCRIPTION"] == "Ingresso libero."
    assert vevent.categories == ["Cultura"]
    assert vevent["TRANSP"] == "TRANSPARENT"


def test_hostile_text_is_escaped_folded_and_round_trips_exactly(cultura):
    description = (ITALIAN * 160)[:10_000] + "\n" + INJECTION + "\r\n, ; \\ fine"
    event = make_event(
        category=cultura,
        title=HOSTILE_TITLE,
        description=description,
        location_name="Piazza Garibaldi, lato nord; ingresso \\ B",
    )
    body = ical.feed_bytes([event])
    lines = _lines(body)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # no UTF-8 character split across a fold
    assert b'SUMMARY:Concerto\\, "jazz"\\; a \\\\ b\\nseconda riga' in lines
    (vevent,) = vevents(body)
    assert vevent["SUMMARY"] == HOSTILE_TITLE
    assert vevent["DESCRIPTION"] == description.replace("\r\n", "\n")
    assert vevent["LOCATION"] == event.location_name
    assert [str(e["UID"]) for e in vevents(body)] == [str(event.uid)]
    (other,) = ics.Calendar(body.decode()).events
    assert other.name == HOSTILE_TITLE
    assert other.location == event.location_name
    assert other.description == description.replace("\r\n", "\n")


def test_a_second_parser_reads_the_whole_feed(cultura, mercati):
    events = [
        make_event(category=cultura, title="Mostra", starts_at=rome(2026, 12, 5, 10)),
        make_event(
            category=mercati,
            title="Fiera",
            all_day=True,
            starts_at=rome(2026, 12, 12),
            ends_at=rome(2026, 12, 14),
        ),
    ]
    calendar = ics.Calendar(ical.feed_bytes(events).decode())
    by_name = {event.name: event for event in calendar.events}
    assert set(by_name) == {"Mostra", "Fiera"}
    assert by_name["Mostra"].begin.datetime == rome(2026, 12, 5, 10)
    assert by_name["Fiera"].all_day
    assert by_name["Fiera"].begin.date() == date(2026, 12, 12)


def test_the_single_event_download_is_a_calendar_named_after_the_event(cultura):
    event = make_event(category=cultura, title="Cinema all'aperto")
    calendar = parse(ical.single_event_bytes(event))
    assert calendar["X-WR-CALNAME"] == "Cinema all'aperto"
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [str(event.uid)]
    assert calendar["METHOD"] == "PUBLISH"


def test_an_all_day_only_calendar_needs_no_timezone(cultura):
    event = make_event(
        category=cultura, all_day=True, starts_at=rome(2026, 12, 4), ends_at=rome(2026, 12, 5)
    )
    assert list(parse(ical.feed_bytes([event])).walk("VTIMEZONE")) == []


def test_dtstamp_is_utc(cultura):
    event = make_event(category=cultura)
    body = ical.feed_bytes([event])
    stamp = event.updated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ").encode()
    assert b"DTSTAMP:" + stamp in _lines(body)
    assert isinstance(vevents(body)[0].DTSTAMP, datetime)


def _unsaved_event(**kwargs):
    from apps.events.models import Event, EventCategory

    stamp = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    event = Event(
        pk=1,
        category=EventCategory(name="Cultura", slug="cultura"),
        starts_at=rome(2026, 12, 5, 21),
        ends_at=rome(2026, 12, 5, 23),
        created_at=stamp,
        updated_at=stamp,
        **kwargs,
    )
    return event


@given(title=st.text(max_size=300), description=st.text(max_size=3000))
@settings(max_examples=60, deadline=None)
def test_any_text_gives_a_valid_feed_that_round_trips_the_clean_text(title, description):
    event = _unsaved_event(title=title, description=description, location_name=title)
    body = ical.single_event_bytes(event)
    lines = _lines(body)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")
    (vevent,) = vevents(body)
    assert str(vevent["SUMMARY"]) == ical.clean_text(title)
    assert str(vevent.get("DESCRIPTION", "")) == ical.clean_text(description)
    assert [c.name for c in parse(body).subcomponents] == ["VTIMEZONE", "VEVENT"]


def test_clean_text_keeps_tabs_and_newlines_and_drops_control_characters():
    assert ical.clean_text("a\r\nb\rc\td\x00e\x0bf\x1bg") == "a\nb\nc\tdefg"


def test_a_link_saved_with_a_line_break_cannot_inject_a_property(cultura):
    # Forms refuse it; saved another way (shell, import) it must not start a new line.
    event = make_event(category=cultura, link="https://example.org/a\r\nATTENDEE:mailto:x@y")
    (vevent,) = vevents(ical.feed_bytes([event]))
    assert str(vevent["URL"]) == "https://example.org/aATTENDEE:mailto:x@y"
    assert "ATTENDEE" not in vevent


def test_a_rebuild_after_one_change_serialises_only_that_event(cultura):
    events = [make_event(category=cultura, title=f"Evento {i}") for i in range(3)]
    ical._EVENT_LINES.clear()

    def feed():
        return ical.feed_bytes(Event.objects.select_related("category").order_by("pk"))

    first = feed()
    kept = dict(ical._EVENT_LINES)
    update_event(event=events[1], by=None, title="Evento cambiato")
    second = feed()
    added = {key: body for key, body in ical._EVENT_LINES.items() if key not in kept}
    assert len(kept) == 3
    assert [key[0] for key in added] == [events[1].pk]  # one event serialised again
    titles = [str(e["SUMMARY"]) for e in vevents(second)]
    assert titles == ["Evento 0", "Evento cambiato", "Evento 2"]
    assert vevents(first)[0].to_ical() == vevents(second)[0].to_ical()
