"""Occurrences of events in a window; weekly series expanded in local wall time."""

from datetime import date

import pytest

from apps.events.models import EventStatus
from apps.events.selectors import public_events_between, public_occurrences

from .conftest import make_event, rome

pytestmark = pytest.mark.django_db


def _market(mercati, **kwargs):
    return make_event(
        category=mercati,
        title="Mercato del sabato",
        starts_at=rome(2026, 10, 17, 8, 0),
        ends_at=rome(2026, 10, 17, 13, 0),
        rrule="FREQ=WEEKLY",
        **kwargs,
    )


def test_a_weekly_market_keeps_its_local_hour_across_the_clock_change(mercati):
    _market(mercati)
    events = public_events_between(start=rome(2026, 10, 17), end=rome(2026, 11, 1))
    assert [e.starts_at for e in events] == [
        rome(2026, 10, 17, 8, 0),
        rome(2026, 10, 24, 8, 0),
        rome(2026, 10, 31, 8, 0),  # after 25 October: CET, still 8:00
    ]
    assert all(e.title == "Mercato del sabato" for e in events)


def test_a_series_stops_after_its_last_day(mercati):
    _market(mercati, repeat_until=date(2026, 10, 24))
    events = public_events_between(start=rome(2026, 10, 1), end=rome(2026, 12, 1))
    assert [e.starts_at.date() for e in events] == [date(2026, 10, 17), date(2026, 10, 24)]


def test_the_digest_window_excludes_drafts_and_cancellations(cultura):
    make_event(category=cultura, title="Concerto", starts_at=rome(2026, 12, 5, 21))
    make_event(category=cultura, title="Bozza", starts_at=rome(2026, 12, 5, 21), published=False)
    make_event(
        category=cultura,
        title="Annullato",
        starts_at=rome(2026, 12, 5, 21),
        status=EventStatus.CANCELLED,
    )
    events = public_events_between(start=rome(2026, 12, 5), end=rome(2026, 12, 7))
    assert [e.title for e in events] == ["Concerto"]


def test_an_event_overlapping_the_window_start_is_included(cultura):
    make_event(
        category=cultura,
        title="Fiera",
        all_day=True,
        starts_at=rome(2026, 12, 4),
        ends_at=rome(2026, 12, 7),
    )
    assert [
        e.title for e in public_events_between(start=rome(2026, 12, 6), end=rome(2026, 12, 8))
    ] == ["Fiera"]
    assert public_events_between(start=rome(2026, 12, 7), end=rome(2026, 12, 8)) == []


def test_public_occurrences_filter_by_category(cultura, mercati):
    make_event(category=cultura, title="Mostra", starts_at=rome(2026, 12, 5, 10))
    _market(mercati)
    found = public_occurrences(start=rome(2026, 12, 1), end=rome(2026, 12, 8), category=cultura)
    assert [o.event.title for o in found] == ["Mostra"]
