"""In a real browser: moving several posts at once from the calendar's list, by keyboard, with
the selection counted aloud; and the campaign and search pages. axe on every page reached."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.planning.models import Campaign, Post
from apps.planning.services import tags_named
from apps.review.models import Comment
from tests.browser import conftest as harness
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
approver_user = harness.approver_user
force_login = harness.force_login
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations


def _next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=hour)))


def test_an_editor_moves_three_posts_a_week_later_and_reads_what_was_refused(page, editor_user):
    monday = _next_monday()
    facebook = ChannelFactory(name="Facebook del Comune")
    drafts = [
        PostFactory(title=f"Avviso {n}", author=editor_user, planned_at=_at(monday, 9 + n))
        for n in range(3)
    ]
    for post in drafts:
        post.variants.create(channel=facebook, text=post.base_text)
    in_review = PostFactory(
        title="In revisione", author=editor_user, planned_at=_at(monday, 15), status="in_review"
    )

    login(page, editor_user)
    page.goto(f"/calendario/?vista=elenco&data={monday.isoformat()}")
    assert_no_axe_violations(page)

    count = page.locator("#bulk-count")
    select_all = page.get_by_label("Seleziona tutti i post dell'elenco")
    select_all.focus()
    page.keyboard.press("Space")
    assert count.inner_text() == "4 post selezionati."
    page.get_by_label("Seleziona «In revisione»").focus()
    page.keyboard.press("Space")
    assert count.inner_text() == "3 post selezionati."

    page.get_by_label("Azione").select_option(label="Sposta di alcuni giorni")
    days = page.get_by_label("Di quanti giorni")
    assert days.is_visible()
    assert not page.get_by_label("Settimana della copia").is_visible()
    days.fill("7")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Applica ai post selezionati").click()

    page.wait_for_url(re.compile(r"/revisione/azioni-multiple/$"))
    assert "3 post fatti, 0 rifiutati." in page.get_by_role("status").first.inner_text()
    assert_no_axe_violations(page)
    for post in drafts:
        post.refresh_from_db()
        assert timezone.localtime(post.planned_at).date() == monday + timedelta(days=7)
    assert Post.objects.get(pk=in_review.pk).planned_at == _at(monday, 15)

    page.get_by_role("link", name="Torna all'elenco").click()
    page.wait_for_url(re.compile(r"/calendario/\?"))


def test_a_bulk_action_on_a_mix_says_what_was_refused_and_why(page, editor_user, force_login):
    monday = _next_monday()
    PostFactory(title="Bozza", author=editor_user, planned_at=_at(monday, 9))
    PostFactory(
        title="Già pubblicato",
        author=editor_user,
        planned_at=_at(monday, 10),
        status=PostStatus.PUBLISHED,
    )
    force_login(editor_user)
    page.goto(f"/calendario/?vista=elenco&data={monday.isoformat()}")
    page.locator("label[for='bulk-select-all']").click()
    page.get_by_label("Azione").select_option(label="Annulla i post")
    page.get_by_role("button", name="Applica ai post selezionati").click()

    assert "1 post fatto, 1 rifiutati." in page.get_by_role("status").first.inner_text()
    refused = page.locator(".bulk-refused").inner_text()
    assert "Già pubblicato" in refused
    assert "non si può annullare" in refused
    assert_no_axe_violations(page)


def test_campaign_and_search_pages_are_accessible(page, editor_user, force_login):
    campaign = Campaign.objects.create(
        name="TARI 2027",
        starts_on=_next_monday(),
        ends_on=_next_monday() + timedelta(days=60),
        goal="Pagamenti entro la scadenza",
    )
    post = PostFactory(
        title="Scadenza TARI",
        author=editor_user,
        base_text="La prima rata della TARI scade il 16 <b>aprile</b>.",
        campaign=campaign,
    )
    post.tags.set(tags_named(["tributi"], by=editor_user))
    Comment.objects.create(post=post, author=editor_user, body="Aggiungere il link al PagoPA")
    force_login(editor_user)

    page.goto("/calendario/campagne/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="TARI 2027").click()
    assert page.get_by_role("heading", level=1).inner_text() == "TARI 2027"
    assert "Scadenza TARI" in page.locator("table").inner_text()
    assert_no_axe_violations(page)

    page.goto("/calendario/campagne/nuova/")
    page.get_by_label("Nome").fill("Sagra d'autunno")
    page.locator("#id_starts_on").fill("2030-10-10")
    page.locator("#id_ends_on").fill("2030-10-01")
    page.get_by_role("button", name="Salva").click()
    page.locator("[data-error-summary]").wait_for()  # the answer to the POST has arrived
    assert page.locator("[data-error-summary]").is_visible()
    assert page.get_by_label("Nome").input_value() == "Sagra d'autunno"
    assert_no_axe_violations(page)

    page.goto("/calendario/cerca/")
    page.get_by_label("Cerca", exact=True).fill("aprile")
    page.get_by_role("button", name="Cerca").click()
    assert page.locator("mark").first.inner_text() == "aprile"
    # The post's own markup is never HTML: shown as text (SQLite) or dropped by ts_headline
    # (PostgreSQL), but no element of it reaches the page.
    assert page.locator(".search-snippet b").count() == 0
    assert_no_axe_violations(page)
    page.goto("/calendario/cerca/?q=pagopa")
    assert "Commento" in page.locator(".search-snippet").first.inner_text()


def test_the_review_queue_with_its_bulk_actions_is_accessible(
    page, editor_user, approver_user, force_login
):
    PostFactory(title="Da approvare", author=editor_user, status=PostStatus.IN_REVIEW)
    PostFactory(title="Anche questo", author=editor_user, status=PostStatus.IN_REVIEW)
    force_login(approver_user)

    page.goto("/revisione/")
    page.locator("label[for='bulk-select-all']").click()
    assert page.locator("#bulk-count").inner_text() == "2 post selezionati."
    page.locator("#bulk-action").select_option(label="Duplica in un'altra settimana")
    assert page.get_by_label("Settimana della copia").is_visible()
    assert_no_axe_violations(page)
