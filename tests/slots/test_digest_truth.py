"""The weekend digest tells the truth (issue 15).

"Riempi" on the Friday slot drafts the weekend's events. A postponed event is not listed as
if it were happening; a cancelled one is left out; an exhibition running 4–17 December reads
"fino a domenica 17 dicembre", not its long-past first day; a recurring event shows the
weekend's occurrence; every event links its own public page.
"""

from datetime import date, time, timedelta

import pytest

from apps.channels.enums import ChannelKind
from apps.events.models import EventStatus
from apps.slots import services
from tests.factories import ChannelFactory, EventFactory
from tests.slots.conftest import rome
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.django_db

SITE = "https://www.comune.esempio.it"
# Friday 15 December 2023: the digest covers Friday 18:00 to Sunday 17 December, 23:59.
FRIDAY_NOON = rome(2023, 12, 15, 12)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def channels():
    return {
        "newsletter": ChannelFactory(name="Newsletter", kind=ChannelKind.NEWSLETTER),
        "x": ChannelFactory(name="X", kind=ChannelKind.X),
    }


@pytest.fixture
def digest_slot(channels):
    return SlotFactory(
        name="Eventi del weekend",
        start_date=date(2023, 12, 1),
        channels=list(channels.values()),
        is_events_digest=True,
        digest_start_offset_days=0,
        digest_start_time=time(18, 0),
        digest_end_offset_days=2,
        digest_end_time=time(23, 59),
    )


def _event(title, start, *, hours=2, **kwargs):
    return EventFactory(
        title=title, starts_at=start, ends_at=start + timedelta(hours=hours), **kwargs
    )


def _all_days(title, first, last, **kwargs):
    """An all-day event from ``first`` to ``last`` (dates as (y, m, d)), stored as iCal does."""
    return EventFactory(
        title=title,
        all_day=True,
        starts_at=rome(*first),
        ends_at=rome(*last) + timedelta(days=1),
        **kwargs,
    )


def _digest(slot, editor, channels):
    post = services.fill_occurrence(slot, FRIDAY_NOON, by=editor)
    texts = {v.channel.kind: v.text for v in post.variants.select_related("channel")}
    return post.base_text, texts


def test_a_postponed_event_is_marked_and_a_cancelled_one_left_out(digest_slot, editor, channels):
    _event("Fiera del libro", rome(2023, 12, 16, 10), status=EventStatus.POSTPONED)
    _event("Sagra della castagna", rome(2023, 12, 16, 12), status=EventStatus.CANCELLED)
    _event("Concerto di Natale", rome(2023, 12, 16, 21), location_name="Duomo")

    base, texts = _digest(digest_slot, editor, channels)

    assert "Fiera del libro · rinviato" in base
    assert "Fiera del libro · sabato" not in base  # not listed as if it were happening
    assert "Sagra della castagna" not in base
    assert "Concerto di Natale · sabato 16 dicembre, 21:00 · Duomo" in base
    assert "Fiera del libro · rinviato" in texts[ChannelKind.X]


def test_an_exhibition_that_began_weeks_ago_reads_until_its_last_day(digest_slot, editor, channels):
    _all_days("Mostra dei presepi", (2023, 12, 4), (2023, 12, 17), location_name="Palazzo")

    base, texts = _digest(digest_slot, editor, channels)

    assert "Mostra dei presepi · fino a domenica 17 dicembre · Palazzo" in base
    assert "4 dicembre" not in base
    assert "Mostra dei presepi · fino a domenica 17 dicembre" in texts[ChannelKind.X]


def test_an_event_that_goes_on_after_the_weekend_lasts_all_of_it(digest_slot, editor, channels):
    _all_days("Villaggio di Natale", (2023, 12, 8), (2024, 1, 7))

    base, _texts = _digest(digest_slot, editor, channels)

    assert "Villaggio di Natale · tutto il weekend" in base
    assert "8 dicembre" not in base


def test_a_multi_day_event_starting_in_the_weekend_gives_its_first_and_last_day(
    digest_slot, editor, channels
):
    _event("Torneo di scacchi", rome(2023, 12, 16, 9), hours=58)  # to Monday 18, 19:00

    base, _texts = _digest(digest_slot, editor, channels)

    assert "Torneo di scacchi · da sabato 16 dicembre a lunedì 18 dicembre" in base


def test_a_recurring_event_shows_the_weekends_occurrence(digest_slot, editor, channels):
    _event(
        "Mercato contadino",
        rome(2023, 11, 4, 8),  # every Saturday since 4 November
        hours=5,
        rrule="FREQ=WEEKLY",
        location_name="Piazza Garibaldi",
    )

    base, _texts = _digest(digest_slot, editor, channels)

    assert "Mercato contadino · sabato 16 dicembre, 08:00 · Piazza Garibaldi" in base
    assert "novembre" not in base


def test_each_event_links_its_public_page(digest_slot, editor, channels):
    concert = _event("Concerto di Natale", rome(2023, 12, 16, 21))
    market = _all_days("Mostra dei presepi", (2023, 12, 4), (2023, 12, 17))

    base, texts = _digest(digest_slot, editor, channels)

    for event in (concert, market):
        assert f"{SITE}/eventi/{event.pk}/" in base
        assert f"{SITE}/eventi/{event.pk}/" in texts[ChannelKind.NEWSLETTER]
    assert f"{SITE}/eventi/" in texts[ChannelKind.X]  # the short text: the events page only
