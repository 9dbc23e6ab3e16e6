"""The calendar and the editor in a real browser: drag and drop, the keyboard move, live checks."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.models import Post
from apps.slots import services as slot_services
from apps.slots.models import SlotFill
from apps.slots.selectors import occurrences_between
from tests.browser import conftest as harness
from tests.factories import ChannelFactory, PostFactory
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations


def _next_monday():
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def monday_post(editor_user):
    channel = ChannelFactory(name="Telegram · Comune", kind=ChannelKind.TELEGRAM)
    at = datetime.combine(_next_monday(), time(10, 0), tzinfo=timezone.get_current_timezone())
    return PostFactory(
        title="Anagrafe chiusa", author=editor_user, planned_at=at, channels=[channel]
    )


def test_dragging_a_post_to_another_day_moves_it_in_place(page, editor_user, monday_post):
    monday = _next_monday()
    login(page, editor_user)
    page.goto(f"/calendario/?vista=mese&data={monday.isoformat()}")
    wednesday = (monday + timedelta(days=2)).isoformat()
    page.drag_and_drop(f"#post-{monday_post.pk}", f"td[data-drop-date='{wednesday}']")
    page.locator(f"td[data-drop-date='{wednesday}'] #post-{monday_post.pk}").wait_for()
    assert "spostato" in page.get_by_role("status").first.inner_text()
    assert_no_axe_violations(page)
    monday_post.refresh_from_db()
    assert timezone.localtime(monday_post.planned_at).isoformat()[:16] == f"{wednesday}T10:00"


def test_the_keyboard_move_uses_the_sposta_form(page, editor_user, monday_post):
    monday = _next_monday()
    login(page, editor_user)
    page.goto(f"/calendario/?vista=settimana&data={monday.isoformat()}")
    page.get_by_text("Sposta «Anagrafe chiusa»").first.focus()
    page.keyboard.press("Enter")
    page.get_by_label("Nuova ora").fill("15:30")
    page.get_by_role("button", name="Sposta «Anagrafe chiusa»").press("Enter")
    page.get_by_role("status").first.wait_for()
    monday_post.refresh_from_db()
    assert timezone.localtime(monday_post.planned_at).strftime("%H:%M") == "15:30"
    assert Post.objects.get().version == 2


def test_the_editor_checks_text_as_it_is_typed_and_copies_the_base_text(page, editor_user):
    x = ChannelFactory(name="X · Comune", kind=ChannelKind.X)
    login(page, editor_user)
    page.goto(f"/calendario/post/nuovo/?canale={x.pk}")
    page.get_by_label("Testo base").fill("Lunedì l'anagrafe resta chiusa.")
    page.get_by_role("button", name="Copia il testo base nel testo per X · Comune").click()
    assert page.get_by_label("Testo per X · Comune").input_value() == (
        "Lunedì l'anagrafe resta chiusa."
    )
    page.get_by_label("Testo per X · Comune").fill("ATTENZIONE ANAGRAFE CHIUSA " + "x" * 300)
    checks = page.locator(f"#checks-{x.pk}")
    checks.get_by_text("327 caratteri su 280", exact=True).wait_for()
    assert "MAIUSCOLO" in checks.inner_text()
    assert_no_axe_violations(page)


def test_dragging_a_slot_post_far_away_asks_first_and_no_unlinks_it(page, editor_user):
    slot = SlotFactory(name="Eventi del weekend", channels=[ChannelFactory(name="Facebook")])
    start = timezone.now() + timedelta(days=4)
    friday = occurrences_between(start=start, end=start + timedelta(days=8))[0].at
    post = slot_services.fill_occurrence(slot, friday, by=editor_user)
    tuesday = (timezone.localdate(friday) - timedelta(days=3)).isoformat()
    login(page, editor_user)
    page.goto(f"/calendario/?vista=settimana&data={tuesday}")
    page.drag_and_drop(
        f"#post-{post.pk}", f"td[data-drop-date='{tuesday}'][data-drop-time='12:00']"
    )
    answer_no = page.get_by_role("button", name="No, scollegalo dalla rubrica")
    answer_no.wait_for()
    assert page.evaluate("document.activeElement.hasAttribute('data-move-question')")
    assert "Eventi del weekend" in page.get_by_role("alert").first.inner_text()
    assert_no_axe_violations(page)
    answer_no.click()
    page.get_by_role("status").first.wait_for()
    post.refresh_from_db()
    assert timezone.localtime(post.planned_at).date().isoformat() == tuesday
    assert not SlotFill.objects.filter(post=post).exists()
