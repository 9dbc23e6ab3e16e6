"""axe-core on the staff pages as they land, with realistic data on them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.crisis.models import Crisis
from apps.planning.enums import PostStatus
from apps.planning.models import Variant
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from tests.browser.conftest import assert_no_axe_violations, login
from tests.factories import CategoryFactory, ChannelFactory, PostFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def busy_office(editor_user, approver_user):
    """A week with posts in several states, a failed send, a slot to fill."""
    from tests.slots.factories import SlotFactory

    category = CategoryFactory(name="Eventi nel territorio", slug="eventi", colour="#008055")
    telegram = ChannelFactory(name="Telegram Comune")
    now = timezone.now()
    PostFactory(
        title="Chiusura anagrafe",
        category=category,
        author=editor_user,
        status=PostStatus.CHANGES_REQUESTED,
        planned_at=now + timedelta(days=1),
    )
    PostFactory(
        title="Raccolta differenziata: nuovi orari",
        author=editor_user,
        status=PostStatus.IN_REVIEW,
        planned_at=now + timedelta(days=2),
    )
    failed = PostFactory(
        title="Allerta meteo gialla",
        channels=[telegram],
        status=PostStatus.FAILED,
        planned_at=now - timedelta(hours=1),
    )
    Delivery.objects.create(
        variant=Variant.objects.get(post=failed),
        state=DeliveryState.FAILED,
        due_at=now - timedelta(hours=1),
        attempts=5,
        last_error="HTTP 401: token non valido",
    )
    slot = SlotFactory(
        name="Eventi del fine settimana",
        category=category,
        owner=editor_user,
        start_date=(now - timedelta(days=10)).date(),
    )
    return {"slot": slot, "category": category}


def test_home_with_every_panel_filled(page, approver_user, busy_office):
    Crisis.objects.create(
        reason="Allerta rossa per il maltempo",
        declared_by=approver_user,
        declared_at=timezone.now(),
    )
    login(page, approver_user)
    for panel in ("Stato di crisi", "In attesa di una tua azione", "Invii da controllare"):
        assert page.get_by_role("heading", name=panel).is_visible()
    assert page.get_by_role("link", name="Allerta meteo gialla").count() >= 1
    banner = page.locator("#crisis-banner")
    assert "Modalità crisi attiva" in banner.inner_text()
    assert "Allerta rossa per il maltempo" in banner.inner_text()
    assert_no_axe_violations(page)


def test_slot_pages(page, editor_user, busy_office, force_login):
    force_login(editor_user)
    page.goto("/rubriche/")
    assert_no_axe_violations(page)
    page.goto(f"/rubriche/{busy_office['slot'].pk}/")
    assert_no_axe_violations(page)
    page.goto("/rubriche/nuova/")
    assert_no_axe_violations(page)
    page.goto(f"/rubriche/{busy_office['slot'].pk}/modifica/")
    assert_no_axe_violations(page)


def test_slot_form_errors_are_tied_to_their_fields(page, editor_user, busy_office, force_login):
    force_login(editor_user)
    page.goto("/rubriche/nuova/")
    page.locator("form[method=post] [type=submit]").last.click()
    page.wait_for_load_state()
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() >= 1
    for field in invalid.all():
        # A choice in a group may be described by its fieldset, announced on entering the group.
        described = field.evaluate(
            "el => el.getAttribute('aria-describedby')"
            " || el.closest('fieldset')?.getAttribute('aria-describedby') || ''"
        )
        assert described, f"{field.get_attribute('name')} has no aria-describedby"
        assert any(page.locator(f"#{ref}").count() for ref in described.split())
    assert_no_axe_violations(page)


def test_publishing_overview(page, approver_user, busy_office, force_login):
    force_login(approver_user)
    page.goto("/pubblicazione/")
    assert page.get_by_role("heading", level=1).count() == 1
    assert_no_axe_violations(page)


def test_newsletter_subscribe_page(page):
    page.goto("/newsletter/")
    assert page.get_by_role("heading", level=1).count() == 1
    assert_no_axe_violations(page)
