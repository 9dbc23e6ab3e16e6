"""The slot pages in a real browser: form behaviour, htmx preview, fill, and axe-core."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.slots.models import Slot, SlotFill
from tests.browser import conftest as harness
from tests.factories import CategoryFactory, ChannelFactory
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.browser

# The browser harness's fixtures, shared with this module (they live in tests/browser).
browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations


def test_creating_a_slot_with_the_recurrence_form_and_its_preview(page, editor_user):
    ChannelFactory(name="Telegram · Comune informa")
    CategoryFactory(name="Territorio", slug="territorio")
    login(page, editor_user)
    page.goto("/rubriche/nuova/")

    # Only the fields of the chosen frequency are shown.
    assert page.locator("[data-slot-frequency='monthly']").is_hidden()
    page.get_by_text("Mensile", exact=True).click()
    assert page.locator("[data-slot-frequency='weekly']").is_hidden()
    assert page.get_by_label("Quale nel mese").is_visible()
    page.get_by_text("Settimanale", exact=True).click()
    assert_no_axe_violations(page)

    # Bad input: errors on the fields, what was typed is still there.
    page.get_by_label("Nome").fill("Eventi del weekend")
    page.get_by_role("button", name="Salva la rubrica").click()
    page.get_by_role("alert").wait_for()  # the answer to the POST has arrived
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Nome").input_value() == "Eventi del weekend"
    assert "Scegli almeno un canale." in page.content()
    assert_no_axe_violations(page)

    page.get_by_text("Telegram · Comune informa").click()
    page.get_by_label("Categoria").select_option(label="Territorio")
    page.locator("label[for=id_weekdays_4]").click()
    page.locator("#id_time").fill("12:00")
    start = timezone.localdate() + timedelta(days=1)
    page.locator("#id_start_date").fill(start.isoformat())
    page.locator("#id_start_date").dispatch_event("change")
    preview = page.locator("#slot-preview li")
    preview.nth(4).wait_for()
    assert preview.count() == 5
    assert all(text.endswith("12:00") for text in preview.all_inner_texts())

    page.get_by_role("button", name="Salva la rubrica").click()
    page.wait_for_url("**/rubriche/*/")
    slot = Slot.objects.get()
    assert slot.rrule == "FREQ=WEEKLY;BYDAY=FR"
    assert page.get_by_role("heading", level=1).inner_text() == "Eventi del weekend"
    assert_no_axe_violations(page)


def test_filling_an_occurrence_from_the_slot_page(page, editor_user):
    slot = SlotFactory(name="Scadenze del mese", owner=editor_user, start_date=timezone.localdate())
    login(page, editor_user)
    page.goto("/rubriche/")
    assert_no_axe_violations(page)
    page.goto(slot.get_absolute_url())
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Riempi").first.click()
    page.wait_for_url("**/calendario/*/")

    fill = SlotFill.objects.get()
    assert page.url.endswith(fill.post.get_absolute_url())
