import time as time_module
from datetime import time, timedelta
from types import SimpleNamespace

import pytest
from django.utils import translation

from apps.channels.enums import ChannelKind
from apps.events.models import EventStatus
from apps.slots import services
from apps.slots.digest import _short_text, digest_window
from tests.factories import ChannelFactory, EventFactory
from tests.slots.conftest import rome
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.django_db

FRIDAY_NOON = rome(2026, 3, 6, 12)
EVENTS_PAGE = "https://www.comune.esempio.it/eventi/"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://www.comune.esempio.it"


@pytest.fixture
def channels():
    return {
        "facebook": ChannelFactory(name="Facebook", kind=ChannelKind.FACEBOOK),
        "x": ChannelFactory(name="X", kind=ChannelKind.X),
        "newsletter": ChannelFactory(name="Newsletter", kind=ChannelKind.NEWSLETTER),
    }


@pytest.fixture
def digest_slot(channels):
    return SlotFactory(
        name="Eventi del weekend",
        channels=list(channels.values()),
        is_events_digest=True,
        digest_start_offset_days=0,
        digest_start_time=time(18, 0),
        digest_end_offset_days=2,
        digest_end_time=time(23, 59),
    )


def _event(title, start, **kwargs):
    return EventFactory(title=title, starts_at=start, ends_at=start + timedelta(hours=2), **kwargs)


@pytest.fixture
def weekend_events():
    return [
        _event("Concerto in piazza", rome(2026, 3, 6, 21), location_name="Piazza Garibaldi"),
        _event("Mercato contadino", rome(2026, 3, 7, 9), location_name="Via Roma"),
        _event("Cinema all'aperto", rome(2026, 3, 8, 21, 30), location_name="Parco comunale"),
    ]


@pytest.fixture
def events_outside_the_window():
    return [
        _event("Consiglio comunale", rome(2026, 3, 6, 9)),  # Friday morning: before 18:00
        _event("Corso di compostaggio", rome(2026, 3, 9, 18)),  # Monday
        _event("Bozza di evento", rome(2026, 3, 7, 11), published=False),
        _event("Sagra annullata", rome(2026, 3, 7, 12), status=EventStatus.CANCELLED),
    ]


def test_the_window_runs_from_friday_evening_to_sunday_night(digest_slot):
    start, end = digest_window(digest_slot, FRIDAY_NOON)
    assert start == rome(2026, 3, 6, 18)
    assert end == rome(2026, 3, 9, 0, 0)


def test_the_digest_lists_the_public_events_of_the_window_with_day_time_place_and_link(
    digest_slot, editor, weekend_events, events_outside_the_window
):
    post = services.fill_occurrence(digest_slot, FRIDAY_NOON, by=editor)

    text = post.base_text
    assert "Concerto in piazza · venerdì 6 marzo, 21:00 · Piazza Garibaldi" in text
    assert "Mercato contadino · sabato 7 marzo, 09:00 · Via Roma" in text
    assert "Cinema all'aperto · domenica 8 marzo, 21:30 · Parco comunale" in text
    assert text.index("Concerto") < text.index("Mercato") < text.index("Cinema")
    for excluded in ("Consiglio comunale", "compostaggio", "Bozza di evento", "Sagra annullata"):
        assert excluded not in text
    assert EVENTS_PAGE in text
    assert post.link == EVENTS_PAGE
    assert post.notes == digest_slot.brief


def test_each_channel_gets_the_digest_in_its_tone(digest_slot, channels, editor, weekend_events):
    post = services.fill_occurrence(digest_slot, FRIDAY_NOON, by=editor)
    texts = {v.channel.kind: v.text for v in post.variants.all()}

    assert "📅 Concerto in piazza" in texts[ChannelKind.FACEBOOK]
    assert "👇" in texts[ChannelKind.FACEBOOK]
    assert "📅" not in texts[ChannelKind.NEWSLETTER]
    assert "- Concerto in piazza" in texts[ChannelKind.NEWSLETTER]
    assert len(texts[ChannelKind.X]) <= 280
    assert "Piazza Garibaldi" not in texts[ChannelKind.X]  # shorter: titles and days only
    assert "Concerto in piazza" in texts[ChannelKind.X]
    assert all(EVENTS_PAGE in text for text in texts.values())


def test_a_crowded_weekend_still_fits_in_a_tweet(digest_slot, channels, editor):
    for hour in range(18, 24):
        _event(f"Evento con un titolo piuttosto lungo numero {hour}", rome(2026, 3, 6, hour))

    post = services.fill_occurrence(digest_slot, FRIDAY_NOON, by=editor)
    tweet = post.variants.get(channel=channels["x"]).text

    assert len(tweet) <= 280
    assert tweet.startswith("6 eventi in programma")
    assert EVENTS_PAGE in tweet


def test_a_weekend_without_events_says_so(digest_slot, editor):
    post = services.fill_occurrence(digest_slot, FRIDAY_NOON, by=editor)
    assert "Nessun evento pubblico in programma" in post.base_text


def test_a_formal_channel_gets_a_formal_digest_without_emoji(editor, weekend_events):
    linkedin = ChannelFactory(name="LinkedIn", kind=ChannelKind.LINKEDIN)
    slot = SlotFactory(
        channels=[linkedin],
        is_events_digest=True,
        digest_start_time=time(18, 0),
        digest_end_offset_days=2,
    )

    post = services.fill_occurrence(slot, FRIDAY_NOON, by=editor)
    text = post.variants.get().text

    assert text.startswith("Di seguito gli eventi pubblici in programma nel Comune di Esempio.")
    assert "📅" not in text and "👇" not in text
    assert "- Mercato contadino · sabato 7 marzo, 09:00 · Via Roma" in text


# --- The short text's cost ------------------------------------------------------------------


def _plain_events(n: int) -> list[SimpleNamespace]:
    """What the short text reads of an event, without the database: title, start, all day."""
    return [
        SimpleNamespace(
            title=f"Evento {i} " + "x" * 1000,
            starts_at=rome(2026, 3, 6, 18),
            all_day=True,
            location_name="",
        )
        for i in range(n)
    ]


def test_the_short_text_keeps_every_line_that_fits_and_counts_when_one_does_not():
    events = _plain_events(2)
    line = "- Evento 0 " + "x" * 1000 + " · venerdì 6 marzo"
    exact = len("Gli eventi in programma:\n" + line + "\n" + line + "\n" + EVENTS_PAGE)

    with translation.override("it"):
        both = _short_text(events, EVENTS_PAGE, limit=exact)
        counted = _short_text(events, EVENTS_PAGE, limit=exact - 1)

    assert both == "\n".join(
        ["Gli eventi in programma:", line, line.replace("Evento 0", "Evento 1"), EVENTS_PAGE]
    )
    assert counted == "2 eventi in programma, tutti i dettagli qui:\n" + EVENTS_PAGE


def _cpu_seconds(events, limit: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time_module.process_time()
        _short_text(events, EVENTS_PAGE, limit=limit)
        best = min(best, time_module.process_time() - start)
    return best


def test_the_short_text_grows_linearly_with_the_events_that_fit():
    # An X channel may be given a very high limit: every event then fits. Rebuilding the whole
    # text for each event made 8 times the events cost some 25 times the time.
    small, large = _plain_events(500), _plain_events(4000)
    with translation.override("it"):
        ratio = _cpu_seconds(large, 10**9) / _cpu_seconds(small, 10**9)
    assert ratio < 15
