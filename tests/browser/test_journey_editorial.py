"""Journeys of the editorial office, as people do them, with axe on every page reached.

An editor fills Friday's weekend-events slot from the calendar, writes the channel variants
with the live guidance, submits; an approver approves from the review queue.
"""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from tests.browser.conftest import assert_no_axe_violations, login
from tests.factories import CategoryFactory, ChannelFactory

pytestmark = pytest.mark.browser


def next_friday():
    today = timezone.localdate()
    return today + timedelta(days=(4 - today.weekday()) % 7 or 7)


@pytest.fixture
def weekend_slot(editor_user):
    from tests.slots.factories import SlotFactory

    mastodon = ChannelFactory(name="Mastodon del Comune", kind=ChannelKind.MASTODON)
    telegram = ChannelFactory(name="Telegram del Comune", kind=ChannelKind.TELEGRAM)
    category = CategoryFactory(name="Eventi e territorio", slug="eventi-territorio")
    return SlotFactory(
        name="Eventi del weekend",
        rrule="FREQ=WEEKLY;BYDAY=FR",
        time=time(12, 0),
        category=category,
        owner=editor_user,
        brief="Gli appuntamenti del fine settimana in città.",
        start_date=timezone.localdate() - timedelta(days=14),
        channels=[mastodon, telegram],
    )


def test_editor_fills_the_friday_slot_writes_variants_and_submits(page, editor_user, weekend_slot):
    friday = next_friday()
    login(page, editor_user)
    page.get_by_role("link", name="Calendario").first.click()
    page.wait_for_url(re.compile(r"/calendario/$"))
    assert_no_axe_violations(page)
    page.goto(f"/calendario/?vista=settimana&data={friday.isoformat()}")
    assert_no_axe_violations(page)

    # The open occurrence is a dashed box with words; its button names the slot and the day.
    fill = page.get_by_role("button", name=re.compile(r"^Riempi Eventi del weekend"))
    assert fill.count() >= 1
    fill.first.click()
    page.wait_for_url(re.compile(r"/calendario/\d+/$"))
    assert "Bozza creata" in page.get_by_role("status").first.inner_text()
    assert_no_axe_violations(page)
    post = Post.objects.get(title__startswith="Eventi del weekend")
    assert timezone.localtime(post.planned_at).date() == friday
    assert post.status == PostStatus.DRAFT

    page.get_by_role("link", name="Modifica", exact=True).click()
    page.wait_for_url(re.compile(r"/modifica/$"))
    assert_no_axe_violations(page)
    mastodon_text = page.get_by_label("Testo per Mastodon del Comune")
    mastodon_text.fill(
        "Questo fine settimana in città: mercatino in piazza Garibaldi sabato dalle 9, "
        "concerto della banda domenica alle 18. #WeekendInCittà"
    )
    telegram_text = page.get_by_label("Testo per Telegram del Comune")
    telegram_text.fill("Il weekend in città: mercatino sabato e concerto domenica.")
    # The live guidance answers as you type: length against the channel's limit.
    checks = page.locator(
        f"#checks-{post.variants.get(channel__name__startswith='Mastodon').channel_id}"
    )
    checks.get_by_text(re.compile(r"^1\d\d caratteri su 500$")).wait_for()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Salva le modifiche").click()
    page.wait_for_url(re.compile(r"/calendario/\d+/$"))
    page.get_by_role("button", name="Invia in revisione").click()
    page.get_by_text("In revisione", exact=True).first.wait_for()
    assert_no_axe_violations(page)
    post.refresh_from_db()
    assert post.status == PostStatus.IN_REVIEW
    assert post.variants.get(channel__kind=ChannelKind.TELEGRAM).text.startswith("Il weekend")


def test_approver_approves_from_the_review_queue(page, approver_user, editor_user):
    from tests.factories import PostFactory

    channel = ChannelFactory(name="Telegram del Comune", kind=ChannelKind.TELEGRAM)
    post = PostFactory(
        title="Eventi del weekend · venerdì",
        author=editor_user,
        status=PostStatus.IN_REVIEW,
        channels=[channel],
        planned_at=timezone.now() + timedelta(days=3),
        base_text="Il weekend in città: mercatino sabato e concerto domenica.",
    )
    login(page, approver_user)
    page.get_by_role("link", name="Revisione").first.click()
    page.wait_for_url(re.compile(r"/revisione/$"))
    assert page.get_by_text("Eventi del weekend · venerdì").first.is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name=f"Approva la versione {post.version}").first.click()
    page.get_by_text("Approvato", exact=True).first.wait_for()
    assert_no_axe_violations(page)
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED
    assert post.approved_by == approver_user
