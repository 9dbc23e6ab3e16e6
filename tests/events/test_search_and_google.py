"""Public pages for search engines and Google Calendar users (issue 21, item 8)."""

import json
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from apps.events.models import EventStatus

from .conftest import make_event, rome

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://www.comune.esempio.it"
    settings.COMUNE_NAME = "Comune di Esempio"


def _json_ld(page: str) -> dict:
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(block)


def test_the_subscribe_page_offers_google_calendars_add_by_url_for_each_feed(client):
    page = client.get("/eventi/abbonati/").content.decode()
    links = re.findall(r'href="(https://calendar\.google\.com/calendar/render\?[^"]+)"', page)
    feeds = {parse_qs(urlsplit(link.replace("&amp;", "&")).query)["cid"][0] for link in links}
    assert "webcal://www.comune.esempio.it/eventi/feed.ics" in feeds
    assert "webcal://www.comune.esempio.it/eventi/feed/mercati.ics" in feeds
    assert len(links) == page.count('href="webcal://')


def test_an_event_page_describes_the_event_in_schema_org_json_ld(client, cultura):
    event = make_event(
        category=cultura,
        title="Concerto </script><script>alert(1)</script>",
        description="Coro & orchestra",
        location_name="Teatro comunale",
        address="Via Roma 1",
        organiser="Banda cittadina",
        starts_at=rome(2026, 12, 5, 21),
        ends_at=rome(2026, 12, 5, 23),
    )
    page = client.get(f"/eventi/{event.pk}/").content.decode()
    assert "<script>alert(1)" not in page
    data = _json_ld(page)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert data["name"] == event.title
    assert data["description"] == "Coro & orchestra"
    assert (data["startDate"], data["endDate"]) == (
        "2026-12-05T21:00:00+01:00",
        "2026-12-05T23:00:00+01:00",
    )
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"] == {
        "@type": "Place",
        "name": "Teatro comunale",
        "address": "Via Roma 1",
    }
    assert data["organizer"]["name"] == "Banda cittadina"
    assert data["url"] == f"https://www.comune.esempio.it/eventi/{event.pk}/"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (EventStatus.CANCELLED, "https://schema.org/EventCancelled"),
        (EventStatus.POSTPONED, "https://schema.org/EventPostponed"),
    ],
)
def test_the_json_ld_says_cancelled_or_postponed(client, cultura, status, expected):
    event = make_event(category=cultura, status=status)
    assert _json_ld(client.get(f"/eventi/{event.pk}/").content.decode())["eventStatus"] == expected


def test_an_all_day_event_has_dates_and_a_draft_preview_has_no_json_ld(
    client, editor_client, cultura
):
    fair = make_event(
        category=cultura, all_day=True, starts_at=rome(2026, 12, 4), ends_at=rome(2026, 12, 7)
    )
    data = _json_ld(client.get(f"/eventi/{fair.pk}/").content.decode())
    assert (data["startDate"], data["endDate"]) == ("2026-12-04", "2026-12-06")
    draft = make_event(category=cultura, published=False)
    assert "ld+json" not in editor_client.get(f"/eventi/{draft.pk}/").content.decode()


def test_a_series_is_described_by_its_next_dates(client, mercati):
    market = make_event(
        category=mercati,
        rrule="FREQ=WEEKLY",
        starts_at=rome(2026, 1, 3, 8),
        ends_at=rome(2026, 1, 3, 13),
        repeat_until=date(2030, 12, 28),
    )
    data = _json_ld(client.get(f"/eventi/{market.pk}/").content.decode())
    assert data["startDate"] >= timezone.localdate().isoformat()
    assert data["startDate"][10:] in ("T08:00:00+01:00", "T08:00:00+02:00")
    assert len(data["subEvent"]) == 5
