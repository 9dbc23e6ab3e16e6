# ruff: noqa: F811 - the browser fixtures are imported by name, then requested as arguments
"""The public events pages in Chromium: a phone-sized screen, the announced count, copying a
feed address. The browser fixtures are those of tests/browser."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import EventCategory
from tests.browser.conftest import (  # noqa: F401 - fixtures
    assert_no_axe_violations,
    browser,
    context,
    page,
    role_groups,
)
from tests.factories import EventFactory

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def town_events(role_groups):
    culture, _ = EventCategory.objects.get_or_create(slug="cultura", defaults={"name": "Cultura"})
    markets, _ = EventCategory.objects.get_or_create(slug="mercati", defaults={"name": "Mercati"})
    soon = timezone.now() + timedelta(days=2)
    EventFactory(title="Concerto della banda municipale", category=culture, starts_at=soon)
    EventFactory(title="Mercatino dell'antiquariato", category=markets, starts_at=soon)


def _overflowing_in_main(page) -> list[str]:
    """Elements of the page's content wider than the screen (the shared header is base.html's:
    its slim bar overflows at 360 px on every page, reported to the lead)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          return [...document.querySelectorAll("main *")]
            .filter((el) => el.getBoundingClientRect().right > width + 1)
            .map((el) => el.tagName + "." + el.className);
        }"""
    )


def test_the_public_pages_fit_a_phone_and_pass_axe(page, town_events):
    page.set_viewport_size(PHONE)
    for url in ("/eventi/", "/eventi/abbonati/"):
        page.goto(url)
        assert _overflowing_in_main(page) == [], url
        assert_no_axe_violations(page)


def test_filtering_announces_the_new_count_in_the_same_live_region(page, town_events):
    page.goto("/eventi/")
    status = page.locator("#event-results-count")
    assert status.inner_text() == "2 eventi trovati"
    handle = status.element_handle()
    page.get_by_label("Categoria").select_option(label="Mercati")
    page.get_by_role("button", name="Filtra").click()
    page.get_by_role("link", name="Concerto della banda municipale").wait_for(state="detached")
    assert status.inner_text() == "1 evento trovato"
    # Same element, new text: what a screen reader announces.
    assert page.evaluate("(el) => el.isConnected", handle)
    assert page.locator("[role=status]#event-results-count").count() == 1


def test_the_copy_button_copies_the_feed_address_and_says_so(page, context, live_server):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto("/eventi/abbonati/")
    address = page.locator("#feed-tutti-url").input_value()
    page.locator("[data-feed-copy='feed-tutti-url']").click()
    page.locator("#feed-tutti-status").get_by_text("Indirizzo copiato.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == address
    assert address.endswith("/eventi/feed.ics")
