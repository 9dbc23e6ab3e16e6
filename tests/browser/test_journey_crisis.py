"""An approver declares a crisis (keyboard only): a scheduled post stays paused; then the
crisis is ended and the post rescheduled from the recovery screen."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing.services import schedule_deliveries
from tests.browser.conftest import assert_no_axe_violations, login
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def scheduled_post(editor_user):
    channel = ChannelFactory(name="Facebook del Comune", kind=ChannelKind.FACEBOOK)
    post = PostFactory(
        title="Festa della zucca in piazza",
        author=editor_user,
        status=PostStatus.APPROVED,
        channels=[channel],
        planned_at=timezone.now() + timedelta(hours=3),
    )
    schedule_deliveries(post=post)
    return post


def test_crisis_declared_by_keyboard_pauses_then_end_and_reschedule(
    page, approver_user, scheduled_post
):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    login(page, approver_user)
    page.get_by_role("link", name="Modalità crisi").first.click()
    page.wait_for_url(re.compile(r"/crisi/$"))
    assert_no_axe_violations(page)

    # Keyboard only: reach the reason field with Tab, type, move on, submit with Enter.
    reason = page.get_by_label("Motivo")
    for _stop in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.name") == "reason":
            break
    assert page.evaluate("() => document.activeElement.name") == "reason"
    page.keyboard.type("Allerta meteo rossa: esondazione del torrente")
    submit = page.get_by_role("button", name="Attiva la modalità crisi")
    for _stop in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == (
            "Attiva la modalità crisi"
        ):
            break
    page.keyboard.press("Enter")
    page.locator("#crisis-banner").get_by_text("Modalità crisi attiva").wait_for()
    assert dialogs and "Confermi la modalità crisi" in dialogs[0]
    assert reason.count() == 0 and submit.count() == 0  # the declare form gave way
    assert_no_axe_violations(page)

    scheduled_post.refresh_from_db()
    assert scheduled_post.status == PostStatus.PAUSED
    page.goto(f"/calendario/{scheduled_post.pk}/")
    assert page.get_by_text("Sospeso", exact=True).first.is_visible()

    page.goto("/crisi/")
    page.get_by_label("Nota di chiusura").fill("Allerta rientrata alle 18, strade riaperte.")
    page.get_by_role("button", name="Chiudi la crisi").click()
    page.wait_for_load_state()
    assert page.locator("#crisis-banner").count() == 0
    scheduled_post.refresh_from_db()
    assert scheduled_post.status == PostStatus.PAUSED  # ending a crisis resumes nothing

    page.goto("/crisi/ripresa/")
    assert_no_axe_violations(page)
    new_time = timezone.localtime() + timedelta(days=1)
    page.get_by_label("Nuovo orario").fill(new_time.strftime("%Y-%m-%dT10:30"))
    page.get_by_role("button", name=re.compile(r"^Riprogramma")).click()
    page.wait_for_load_state()
    assert_no_axe_violations(page)
    scheduled_post.refresh_from_db()
    assert scheduled_post.status != PostStatus.PAUSED
    assert timezone.localtime(scheduled_post.planned_at).strftime("%Y-%m-%d %H:%M") == (
        new_time.strftime("%Y-%m-%d 10:30")
    )
