"""A citizen, not logged in, opens the public events, filters them, downloads an event and
the calendar feed. axe on every page reached."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_no_axe_violations
from tests.factories import EventCategoryFactory, EventFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def town_events(db):
    culture = EventCategoryFactory(name="Cultura", slug="cultura")
    markets = EventCategoryFactory(name="Mercati", slug="mercati")
    soon = timezone.now() + timedelta(days=2)
    concert = EventFactory(
        title="Concerto della banda municipale", category=culture, starts_at=soon
    )
    market = EventFactory(title="Mercatino dell'antiquariato", category=markets, starts_at=soon)
    return {"concert": concert, "market": market}


def test_citizen_filters_events_downloads_one_and_the_feed(page, town_events):
    page.goto("/eventi/")
    assert page.get_by_role("heading", level=1).inner_text() == "Eventi"
    assert page.get_by_role("link", name="Concerto della banda municipale").is_visible()
    assert page.get_by_role("link", name="Mercatino dell'antiquariato").is_visible()
    assert_no_axe_violations(page)

    page.get_by_label("Categoria").select_option(label="Mercati")
    page.get_by_role("button", name="Filtra").click()
    page.get_by_role("link", name="Concerto della banda municipale").wait_for(state="detached")
    assert page.get_by_role("link", name="Mercatino dell'antiquariato").is_visible()
    assert "categoria=mercati" in page.url  # the filtered list has its own address
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Mercatino dell'antiquariato").click()
    page.wait_for_url(re.compile(r"/eventi/\d+/$"))
    assert_no_axe_violations(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Aggiungi al calendario").click()
    ics = open(download_info.value.path(), encoding="utf-8").read()
    assert ics.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:Mercatino dell'antiquariato" in ics

    page.goto("/eventi/abbonati/")
    assert_no_axe_violations(page)
    address = page.locator("input[readonly]").first.input_value()
    response = page.request.get(urlsplit(address).path)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    body = response.text()
    assert "SUMMARY:Concerto della banda municipale" in body
    assert "SUMMARY:Mercatino dell'antiquariato" in body
