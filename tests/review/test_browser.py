"""The review pages in a real browser: in-place actions with htmx, diff, audit, and axe-core."""

import pytest

from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus as S
from apps.planning.models import Post
from apps.review import services
from tests.browser import conftest as harness
from tests.factories import ChannelFactory
from tests.review.factories import post_in

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
approver_user = harness.approver_user
admin_person = harness.admin_person
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations


def test_an_approver_approves_and_sends_back_from_the_queue_in_place(
    page, editor_user, approver_user
):
    channels = [ChannelFactory(name="Facebook · Comune"), ChannelFactory(name="Telegram · Comune")]
    first = post_in(S.IN_REVIEW, author=editor_user, channels=channels, title="Ponte chiuso")
    second = post_in(S.IN_REVIEW, author=editor_user, channels=channels, title="Orari estivi")
    login(page, approver_user)
    page.goto("/revisione/")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Approva la versione 1").first.click()
    page.get_by_text("Post approvato: uscirà all'ora prevista.").wait_for()
    assert page.url.endswith("/revisione/")  # no full page load: swapped in place

    block = page.locator(f"#post-actions-{second.pk}")
    block.get_by_label("Cosa va cambiato").fill("Manca l'orario del sabato.")
    block.get_by_role("button", name="Chiedi modifiche").click()
    page.get_by_text("Modifiche richieste: l'autore riceverà").wait_for()

    assert Post.objects.get(pk=first.pk).status == S.APPROVED
    assert Post.objects.get(pk=second.pk).status == S.CHANGES_REQUESTED
    assert_no_axe_violations(page)


def test_the_review_page_comment_thread_and_history_are_accessible(page, editor_user):
    post = post_in(S.DRAFT, author=editor_user, title="Sportello anagrafe")
    services.add_comment(post, by=editor_user, body="<b>Prima bozza</b>, da rivedere")
    login(page, editor_user)
    page.goto(f"/revisione/post/{post.pk}/")

    comments = page.locator(".review-comment-body")
    assert comments.all_inner_texts() == ["<b>Prima bozza</b>, da rivedere"]
    page.get_by_label("Aggiungi un commento").fill("Aggiunto il link")
    page.get_by_role("button", name="Commenta").click()
    page.get_by_text("Commento aggiunto.").wait_for()
    assert post.comments.count() == 2
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Invia in revisione").click()
    page.get_by_text("Post inviato in revisione").wait_for()
    # The history block refreshes itself after the action (HX-Trigger postChanged).
    page.locator(f"#post-history-{post.pk}").get_by_text("post.submitted").wait_for()
    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW


def test_the_audit_page_filters_and_is_accessible(page, approver_user, editor_user):
    post = post_in(S.DRAFT, author=editor_user)
    services.submit_post(post, by=editor_user)
    services.add_comment(post, by=approver_user, body="Ok")
    login(page, approver_user)
    page.goto("/registro/")
    assert_no_axe_violations(page)

    page.get_by_label("Azione").select_option("comment.added")
    page.get_by_role("button", name="Filtra").click()
    page.get_by_role("heading", name="1 voce").wait_for()
    assert "azione=comment.added" in page.url
    # The persistent live region announces the result of the in-place filter.
    assert page.get_by_role("status").filter(has_text="1 voce trovata").count() == 1
    assert AuditEntry.objects.count() == 2


def test_the_office_settings_page_is_accessible(page, admin_person):
    login(page, admin_person)
    page.goto("/revisione/impostazioni/")
    assert_no_axe_violations(page)

    page.get_by_text("Consenti l'auto-approvazione").click()  # the label draws the box
    assert page.get_by_label("Consenti l'auto-approvazione").is_checked()
    page.get_by_role("button", name="Salva").click()
    page.get_by_text("Impostazioni salvate.").wait_for()


def test_the_diff_is_shown_in_place_inside_a_live_region(page, editor_user):
    from apps.review.editing import update_post

    post = post_in(S.DRAFT, author=editor_user, base_text="Chiuso lunedì")
    update_post(post, by=editor_user, expected_version=1, base_text="Chiuso martedì")
    login(page, editor_user)
    page.goto(f"/revisione/post/{post.pk}/")

    page.get_by_role("button", name="Confronta").click()

    result = page.locator(f"[aria-live=polite] > #diff-result-{post.pk}")
    result.get_by_text("martedì").wait_for()
    assert page.url.endswith(f"/revisione/post/{post.pk}/")
    assert_no_axe_violations(page)
