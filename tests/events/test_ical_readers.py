"""The feeds as other clients read them: ical.js (Thunderbird) and vobject, against zoneinfo.

icalendar reads back whatever icalendar writes; these readers are independent, and the
first two bugs of issue 21 (summer times an hour late from October, ``\\N`` read as a line
break) showed only in them.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.events import ical
from apps.events.models import EventCategory, EventStatus

from .conftest import make_event, parse, rome, vevents
from .readers import read_with_vobject

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
READER_NAMES = ["ical.js", "vobject"]
NINETY = timedelta(minutes=90)
# The sequences a property test rarely generates and parsers most often get wrong.
TRICKY_TEXTS = [
    "C:\\Nuova",
    "C:\\nuova\\Nuova cartella",
    "\\N",
    "\\n",
    "\\\\",
    "\\,",
    "\\;",
    "\\",
    "a\\",
    "\\\\N",
    "riga uno\nriga due\\Ntre",
    "virgola, punto e virgola; due punti: fine",
    "\\\\\\N\\,\\;\n\\",
    "fine con a capo\n",
    "àèìòù 🎉 \\N 🇮🇹",
]


def _zoneinfo_series(first: datetime, until: date, hours: int) -> list[tuple[datetime, datetime]]:
    """A weekly series in Rome's wall time, as zoneinfo places each date (the truth)."""
    naive = du.rrule(
        du.WEEKLY, dtstart=first.replace(tzinfo=None), until=datetime(until.year, 12, 31)
    )
    instants = []
    for day in naive:
        if day.date() > until:
            break
        begins = day.replace(tzinfo=ROME).astimezone(UTC)
        instants.append((begins, begins + timedelta(hours=hours)))
    return instants


@pytest.mark.parametrize("reader", READER_NAMES)
def test_a_weekly_series_is_at_its_wall_time_in_every_season_for_years(readers, mercati, reader):
    # Saturdays 8:00-13:00 from January 2026 to December 2029: eight clock changes.
    market = make_event(
        category=mercati,
        rrule="FREQ=WEEKLY",
        starts_at=rome(2026, 1, 3, 8),
        ends_at=rome(2026, 1, 3, 13),
        repeat_until=date(2029, 12, 29),
    )
    (event,) = readers[reader](ical.feed_bytes([market]))["events"]
    expected = _zoneinfo_series(rome(2026, 1, 3, 8), date(2029, 12, 29), hours=5)
    assert len(expected) == 209
    assert event["occurrences"] == expected


@pytest.mark.parametrize("reader", READER_NAMES)
def test_single_events_around_each_clock_change_keep_their_instants(readers, cultura, reader):
    starts = [
        rome(2026, 3, 29, 1, 30),  # the night clocks go forward, before the change
        rome(2026, 3, 29, 3, 30),  # and after it
        rome(2026, 10, 25, 1, 30),  # the night they go back
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30, first pass (summer time)
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30, second pass (winter time)
        rome(2027, 7, 14, 21),
        rome(2028, 3, 26, 4),
        rome(2029, 10, 28, 4),
        rome(2030, 12, 1, 10),
    ]
    events = [
        make_event(category=cultura, starts_at=start, ends_at=start.astimezone(UTC) + NINETY)
        for start in starts
    ]
    read = readers[reader](ical.feed_bytes(events))["events"]
    expected = [[(s.astimezone(UTC), s.astimezone(UTC) + NINETY)] for s in starts]
    assert [e["occurrences"] for e in read] == expected


def test_the_timezone_block_is_a_yearly_rule_with_the_time_before_each_change(cultura):
    body = ical.feed_bytes([make_event(category=cultura)])
    (vtimezone,) = parse(body).walk("VTIMEZONE")
    observances = {o.name: o for o in vtimezone.subcomponents}
    summer, winter = observances["DAYLIGHT"], observances["STANDARD"]
    assert "RDATE" not in summer and "RDATE" not in winter
    assert summer["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert winter["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    # Local time before the change: 02:00 in winter time, 03:00 in summer time.
    hour = timedelta(hours=1)
    assert summer.DTSTART.hour == 2
    assert (summer["TZOFFSETFROM"].td, summer["TZOFFSETTO"].td) == (hour, 2 * hour)
    assert winter.DTSTART.hour == 3
    assert (winter["TZOFFSETFROM"].td, winter["TZOFFSETTO"].td) == (2 * hour, hour)


@pytest.mark.parametrize("reader", READER_NAMES)
def test_backslash_sequences_round_trip_in_every_reader(readers, cultura, reader):
    events = [
        make_event(category=cultura, title=text, description=text, location_name=text)
        for text in TRICKY_TEXTS
    ]
    read = readers[reader](ical.feed_bytes(events))["events"]
    assert [e["summary"] for e in read] == TRICKY_TEXTS
    assert [e["description"] for e in read] == TRICKY_TEXTS
    assert [e["location"] for e in read] == TRICKY_TEXTS


def _unsaved_event(**kwargs):
    from apps.events.models import Event

    stamp = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    return Event(
        pk=1,
        category=EventCategory(name="Cultura", slug="cultura"),
        starts_at=rome(2026, 12, 5, 21),
        ends_at=rome(2026, 12, 5, 23),
        created_at=stamp,
        updated_at=stamp,
        **kwargs,
    )


# Text built mostly from the characters TEXT escaping is about, so "\N", "\\," and friends
# come up in almost every example.
ESCAPE_HEAVY = st.text(
    alphabet=st.sampled_from(["\\", "N", "n", ",", ";", ":", "\n", '"', " ", "a", "è", "🎉"]),
    max_size=80,
)


@given(title=ESCAPE_HEAVY, description=ESCAPE_HEAVY)
@settings(max_examples=150, deadline=None)
def test_escape_heavy_text_round_trips_in_vobject_and_icalendar(title, description):
    event = _unsaved_event(title=title, description=description)
    body = ical.single_event_bytes(event)
    (read,) = read_with_vobject(body)["events"]
    assert read["summary"] == title
    assert (read["description"] or "") == description
    (vevent,) = vevents(body)
    assert str(vevent["SUMMARY"]) == title
    assert str(vevent.get("DESCRIPTION", "")) == description


@pytest.mark.parametrize(
    "name",
    ["Cultura, arte; musica", "C:\\Nuova", "Sport\\n e tempo libero", "Fine\\"],
)
def test_calendar_names_are_escaped_text(readers, name):
    category = EventCategory.objects.create(name=name, slug="prova")
    body = ical.feed_bytes([], category=category)
    expected = f"Comune di Esempio · Eventi · {name}"
    calendar = readers["vobject"](body)["calendar"]
    assert calendar["name"] == calendar["x-wr-calname"] == expected
    assert calendar["x-wr-caldesc"] == f"Eventi pubblici del Comune di Esempio, categoria {name}."
    assert f"NAME:{ical.escape_text(expected)}".encode() in body.split(b"\r\n")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://www.comune.esempio.it"
    settings.COMUNE_NAME = "Comune di Esempio"


@pytest.mark.parametrize("reader", READER_NAMES)
def test_postponed_and_cancelled_events_say_so_in_the_summary(readers, cultura, reader):
    make_event(category=cultura, title="Concerto", status=EventStatus.POSTPONED)
    make_event(category=cultura, title="Mostra", status=EventStatus.CANCELLED)
    make_event(category=cultura, title="Teatro")
    body = ical.feed_bytes(list(cultura.events.order_by("pk").select_related("category")))
    read = readers[reader](body)["events"]
    assert [(e["summary"], e["status"]) for e in read] == [
        ("RINVIATO – Concerto", "TENTATIVE"),
        ("ANNULLATO – Mostra", "CANCELLED"),
        ("Teatro", "CONFIRMED"),
    ]


@pytest.mark.parametrize("reader", READER_NAMES)
def test_the_events_link_is_its_url_and_the_public_page_closes_the_description(
    readers, cultura, reader
):
    with_link = make_event(
        category=cultura, link="https://www.teatro.example/stagione?x=1&y=2", description="Sipario."
    )
    without_link = make_event(category=cultura, description="")
    first, second = readers[reader](ical.feed_bytes([with_link, without_link]))["events"]
    page = f"https://www.comune.esempio.it/eventi/{with_link.pk}/"
    assert first["url"] == "https://www.teatro.example/stagione?x=1&y=2"
    assert first["description"] == f"Sipario.\n\nScheda dell'evento: {page}"
    assert second["url"] == f"https://www.comune.esempio.it/eventi/{without_link.pk}/"
    assert second["description"] is None


def test_an_event_with_an_image_has_an_rfc_7986_image(cultura):
    event = make_event(category=cultura, image="events/2026/locandina.png", image_alt="Locandina")
    (vevent,) = vevents(ical.feed_bytes([event]))
    image = vevent["IMAGE"]
    assert str(image) == "https://www.comune.esempio.it/media/events/2026/locandina.png"
    assert (image.params["VALUE"], image.params["DISPLAY"], image.params["FMTTYPE"]) == (
        "URI",
        "BADGE",
        "image/png",
    )
    assert "IMAGE" not in vevents(ical.feed_bytes([make_event(category=cultura)]))[0]


def test_a_postponed_event_keeps_its_prefix_on_a_new_date_until_confirmed(readers, cultura):
    from apps.events.services import confirm_event, postpone_event

    event = make_event(category=cultura, title="Concerto")
    postpone_event(event=event, by=None)
    event.refresh_from_db()
    (undated,) = readers["ical.js"](ical.feed_bytes([event]))["events"]
    moved = rome(2027, 1, 16, 21)
    postpone_event(event=event, by=None, starts_at=moved, ends_at=moved + timedelta(hours=2))
    event.refresh_from_db()
    (dated,) = readers["ical.js"](ical.feed_bytes([event]))["events"]
    confirm_event(event=event, by=None)
    event.refresh_from_db()
    (confirmed,) = vevents(ical.feed_bytes([event]))
    assert (undated["summary"], undated["status"]) == ("RINVIATO – Concerto", "TENTATIVE")
    assert undated["occurrences"][0][0] == rome(2026, 12, 5, 21).astimezone(UTC)
    assert (dated["summary"], dated["status"]) == ("RINVIATO – Concerto", "TENTATIVE")
    assert dated["occurrences"][0][0] == moved.astimezone(UTC)
    assert (str(confirmed["SUMMARY"]), confirmed["STATUS"]) == ("Concerto", "CONFIRMED")
    # Each step is a revision clients take over the copy they have.
    assert confirmed["SEQUENCE"] == 3
