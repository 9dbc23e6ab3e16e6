"""The approval workflow, rule by rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.channels.enums import ChannelKind
from apps.crisis.models import Crisis
from apps.planning.enums import PostStatus as S
from apps.planning.models import Post
from apps.publishing.models import Delivery
from apps.review import services
from apps.review.models import Comment, OfficeSettings
from apps.review.services import ReviewError
from tests.crisis.factories import BlackoutFactory
from tests.factories import ChannelFactory, UserFactory
from tests.review.factories import post_in

# Emails leave from Celery tasks: here they run on the spot.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def _actions(post) -> list[str]:
    return list(
        AuditEntry.objects.filter(post_id=post.pk).order_by("id").values_list("action", flat=True)
    )


def _unchanged(post, status) -> bool:
    fresh = Post.objects.get(pk=post.pk)
    return fresh.status == status and fresh.approved_by_id is None


# --- Submit and withdraw ------------------------------------------------------------------


def test_an_editor_submits_a_draft_for_review(editor):
    post = post_in(S.DRAFT, author=editor)

    services.submit_post(post, by=editor)

    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW
    assert _actions(post) == ["post.submitted"]


def test_a_post_sent_back_for_changes_can_be_submitted_again(editor):
    post = post_in(S.CHANGES_REQUESTED, author=editor)

    services.submit_post(post, by=editor)

    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW


def test_submitting_emails_the_approvers_with_a_link(
    editor, approver, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://planner.comune.esempio.it"
    post = post_in(S.DRAFT, author=editor, title="Chiusura anagrafe")

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_post(post, by=editor)

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [approver.email]
    assert mail.subject == "Da approvare: Chiusura anagrafe"
    assert f"https://planner.comune.esempio.it/calendario/{post.pk}/" in mail.body
    assert "https://planner.comune.esempio.it/revisione/" in mail.body


def test_no_email_is_sent_when_the_submission_is_refused(
    other_editor, editor, approver, mailoutbox, django_capture_on_commit_callbacks
):
    post = post_in(S.DRAFT, author=editor)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ReviewError, match="Solo l'autore"),
    ):
        services.submit_post(post, by=other_editor)

    assert mailoutbox == []


def test_another_editor_cannot_submit_someone_elses_post(editor, other_editor):
    post = post_in(S.DRAFT, author=editor)

    with pytest.raises(ReviewError, match="Solo l'autore"):
        services.submit_post(post, by=other_editor)

    assert _unchanged(post, S.DRAFT)
    assert _actions(post) == []


def test_a_post_without_channels_cannot_be_submitted(editor):
    post = post_in(S.DRAFT, author=editor, channels=[])

    with pytest.raises(ReviewError, match="almeno un canale"):
        services.submit_post(post, by=editor)

    assert _unchanged(post, S.DRAFT)


def test_a_double_submission_changes_nothing_the_second_time(editor):
    post = post_in(S.DRAFT, author=editor)
    stale_copy = Post.objects.get(pk=post.pk)
    services.submit_post(post, by=editor)

    with pytest.raises(ReviewError, match="inviare in revisione solo"):
        services.submit_post(Post.objects.get(pk=post.pk), by=editor)
    with pytest.raises(services.TransitionError, match="modificato nel frattempo"):
        services.submit_post(stale_copy, by=editor)

    assert _actions(post) == ["post.submitted"]


def test_withdrawing_returns_the_post_to_draft(editor):
    post = post_in(S.IN_REVIEW, author=editor)

    services.withdraw_post(post, by=editor)

    assert Post.objects.get(pk=post.pk).status == S.DRAFT
    assert _actions(post) == ["post.withdrawn"]


def test_only_a_post_in_review_can_be_withdrawn(editor):
    post = post_in(S.APPROVED, author=editor)

    with pytest.raises(ReviewError, match="ritirare solo"):
        services.withdraw_post(post, by=editor)

    assert Post.objects.get(pk=post.pk).status == S.APPROVED


# --- Approve ----------------------------------------------------------------------------


def test_an_approver_approves_the_exact_version_in_review(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor, version=3)

    services.approve_post(post, by=approver, expected_version=3)

    fresh = Post.objects.get(pk=post.pk)
    assert fresh.status == S.APPROVED
    assert fresh.approved_by == approver
    assert fresh.approved_version == 3
    assert fresh.approved_at is not None
    assert _actions(post) == ["post.approved"]


def test_approval_schedules_one_delivery_per_variant(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor)

    services.approve_post(post, by=approver, expected_version=1)

    deliveries = Delivery.objects.filter(variant__post=post)
    assert [(d.state, d.due_at) for d in deliveries] == [("waiting", post.planned_at)]


def test_approval_emails_the_author_with_a_link(
    editor, approver, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://planner.comune.esempio.it"
    post = post_in(S.IN_REVIEW, author=editor, title="Raccolta rifiuti")

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(post, by=approver, expected_version=1)

    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert mailoutbox[0].subject == "Approvato: Raccolta rifiuti"
    assert f"https://planner.comune.esempio.it/calendario/{post.pk}/" in mailoutbox[0].body


def test_an_editor_cannot_approve(editor, other_editor):
    post = post_in(S.IN_REVIEW, author=editor)

    with pytest.raises(ReviewError, match="Solo gli approvatori"):
        services.approve_post(post, by=other_editor, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)


def test_an_approver_cannot_approve_own_post(approver):
    post = post_in(S.IN_REVIEW, author=approver)

    with pytest.raises(ReviewError, match="scritto o modificato"):
        services.approve_post(post, by=approver, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)
    assert _actions(post) == []


def test_an_approver_cannot_approve_a_post_they_edited_last(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor, last_editor=approver)

    with pytest.raises(ReviewError, match="scritto o modificato"):
        services.approve_post(post, by=approver, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)


def test_self_approval_allowed_by_the_office_is_recorded_in_the_audit(approver):
    OfficeSettings.objects.update_or_create(pk=1, defaults={"allow_self_approval": True})
    post = post_in(S.IN_REVIEW, author=approver)

    services.approve_post(post, by=approver, expected_version=1)

    entry = AuditEntry.objects.get(post_id=post.pk, action="post.approved")
    assert entry.actor == approver
    assert "auto-approvazione" in entry.summary


def test_crisis_communication_is_fast_tracked_during_a_crisis(approver, editor):
    """Born as crisis communication by a colleague, touched by the approver: one approver."""
    Crisis.objects.create(reason="Alluvione", declared_by=approver, declared_at=timezone.now())
    post = post_in(
        S.IN_REVIEW,
        author=editor,
        last_editor=approver,
        is_crisis_communication=True,
        created_as_crisis_communication=True,
        content_editor_ids=[editor.pk, approver.pk],
    )

    services.approve_post(post, by=approver, expected_version=1)

    assert Post.objects.get(pk=post.pk).status == S.APPROVED
    entry = AuditEntry.objects.get(post_id=post.pk, action="post.approved")
    assert "fast track" in entry.summary


def test_crisis_communication_is_not_fast_tracked_without_an_open_crisis(approver):
    Crisis.objects.create(
        reason="Finita",
        declared_by=approver,
        declared_at=timezone.now() - timedelta(days=2),
        ended_at=timezone.now() - timedelta(days=1),
    )
    post = post_in(S.IN_REVIEW, author=approver, is_crisis_communication=True)

    with pytest.raises(ReviewError, match="scritto o modificato"):
        services.approve_post(post, by=approver, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)


def test_approving_a_version_someone_edited_meanwhile_is_refused(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor, version=2)

    with pytest.raises(ReviewError, match="modificato dopo"):
        services.approve_post(post, by=approver, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)
    assert Delivery.objects.filter(variant__post=post).count() == 0


def test_a_concurrent_edit_between_reading_and_approving_is_refused(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor)
    page_copy = Post.objects.get(pk=post.pk)  # what the approver's page read
    Post.objects.filter(pk=post.pk).update(version=2)  # a colleague saves meanwhile

    with pytest.raises(services.TransitionError, match="modificato nel frattempo"):
        services.approve_post(page_copy, by=approver, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)
    assert _actions(post) == []
    assert Delivery.objects.filter(variant__post=post).count() == 0


def test_two_approvers_clicking_together_approve_once(editor, approver, admin_user):
    post = post_in(S.IN_REVIEW, author=editor)
    first, second = Post.objects.get(pk=post.pk), Post.objects.get(pk=post.pk)

    services.approve_post(first, by=approver, expected_version=1)
    with pytest.raises(services.TransitionError, match="modificato nel frattempo"):
        services.approve_post(second, by=admin_user, expected_version=1)

    assert Post.objects.get(pk=post.pk).approved_by == approver
    assert _actions(post) == ["post.approved"]


def test_approval_is_refused_when_an_editor_check_is_blocking(editor, approver):
    # Instagram cannot publish a post without an image: a blocking check of the editor.
    post = post_in(
        S.IN_REVIEW, author=editor, channels=[ChannelFactory(kind=ChannelKind.INSTAGRAM)]
    )

    with pytest.raises(ReviewError, match="regola bloccante"):
        services.approve_post(post, by=approver, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)


def test_approval_is_refused_inside_a_blackout_and_names_it(editor, approver):
    BlackoutFactory(reason="Elezioni comunali 2027")
    post = post_in(S.IN_REVIEW, author=editor)

    with pytest.raises(ReviewError, match="Elezioni comunali 2027"):
        services.approve_post(post, by=approver, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)


def test_only_a_post_in_review_can_be_approved(editor, approver):
    post = post_in(S.DRAFT, author=editor)

    with pytest.raises(ReviewError, match="approvare solo"):
        services.approve_post(post, by=approver, expected_version=1)

    assert _unchanged(post, S.DRAFT)
    assert _actions(post) == []


# --- Re-approve a reschedule ------------------------------------------------------------------


def test_a_reschedule_only_change_is_approved_again_in_one_click(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor, version=4, reschedule_only_pending=True)

    services.reapprove_reschedule(post, by=approver, expected_version=4)

    fresh = Post.objects.get(pk=post.pk)
    assert (fresh.status, fresh.approved_version, fresh.reschedule_only_pending) == (
        S.APPROVED,
        4,
        False,
    )
    assert _actions(post) == ["post.reapproved"]


def test_one_click_reapproval_is_refused_when_the_content_changed(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor, reschedule_only_pending=False)

    with pytest.raises(ReviewError, match="non è cambiato solo"):
        services.reapprove_reschedule(post, by=approver, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)


def test_one_click_reapproval_keeps_separation_of_duties(approver):
    post = post_in(S.IN_REVIEW, author=approver, reschedule_only_pending=True)

    with pytest.raises(ReviewError, match="scritto o modificato"):
        services.reapprove_reschedule(post, by=approver, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)


# --- Request changes ------------------------------------------------------------------------


def test_requesting_changes_requires_a_comment(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor)

    with pytest.raises(ReviewError, match="commento è obbligatorio"):
        services.request_changes(post, by=approver, comment="   ")

    assert _unchanged(post, S.IN_REVIEW)
    assert Comment.objects.count() == 0


def test_requesting_changes_keeps_the_comment_and_emails_the_author(
    editor, approver, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://planner.comune.esempio.it"
    post = post_in(S.IN_REVIEW, author=editor, title="Orari biblioteca")

    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(post, by=approver, comment="Manca l'orario del sabato.")

    assert Post.objects.get(pk=post.pk).status == S.CHANGES_REQUESTED
    assert [(c.author, c.body) for c in post.comments.all()] == [
        (approver, "Manca l'orario del sabato.")
    ]
    assert _actions(post) == ["post.changes_requested"]
    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert mailoutbox[0].subject == "Modifiche richieste: Orari biblioteca"
    assert "Manca l'orario del sabato." in mailoutbox[0].body
    assert f"https://planner.comune.esempio.it/calendario/{post.pk}/" in mailoutbox[0].body


def test_an_editor_cannot_request_changes(editor, other_editor):
    post = post_in(S.IN_REVIEW, author=editor)

    with pytest.raises(ReviewError, match="Solo gli approvatori"):
        services.request_changes(post, by=other_editor, comment="No")

    assert _unchanged(post, S.IN_REVIEW)


# --- Cancel -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED, S.PAUSED, S.FAILED]
)
def test_any_not_yet_published_post_can_be_cancelled(editor, status):
    post = post_in(status, author=editor)

    services.cancel_post(post, by=editor, reason="Evento rinviato")

    assert Post.objects.get(pk=post.pk).status == S.CANCELLED
    entry = AuditEntry.objects.get(post_id=post.pk)
    assert (entry.action, entry.summary) == ("post.cancelled", "Evento rinviato")


def test_cancelling_an_approved_post_cancels_its_unsent_deliveries_with_audit(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor, channels=[ChannelFactory(), ChannelFactory()])
    services.approve_post(post, by=approver, expected_version=1)
    queued = Delivery.objects.filter(variant__post=post).order_by("id").first()
    Delivery.objects.filter(pk=queued.pk).update(state="queued")

    services.cancel_post(post, by=approver)

    states = list(Delivery.objects.filter(variant__post=post).values_list("state", flat=True))
    assert states == ["cancelled", "cancelled"]
    assert _actions(post) == [
        "post.approved",
        "post.cancelled",
        "delivery.cancelled",
        "delivery.cancelled",
    ]


@pytest.mark.parametrize("status", [S.PUBLISHED, S.CANCELLED, S.PARTLY_FAILED])
def test_published_or_cancelled_posts_cannot_be_cancelled(editor, status):
    post = post_in(status, author=editor)

    with pytest.raises(ReviewError, match="non si può annullare"):
        services.cancel_post(post, by=editor)

    assert Post.objects.get(pk=post.pk).status == status
    assert _actions(post) == []


def test_another_editor_cannot_cancel_someone_elses_post(editor, other_editor):
    post = post_in(S.DRAFT, author=editor)

    with pytest.raises(ReviewError, match="Solo l'autore"):
        services.cancel_post(post, by=other_editor)

    assert Post.objects.get(pk=post.pk).status == S.DRAFT


# --- Comments and settings -------------------------------------------------------------------


def test_a_comment_is_kept_and_audited(editor, other_editor):
    post = post_in(S.DRAFT, author=editor)

    comment = services.add_comment(post, by=other_editor, body="  Aggiungerei il link.  ")

    assert comment.body == "Aggiungerei il link."
    entry = AuditEntry.objects.get(post_id=post.pk)
    assert (entry.action, entry.actor, entry.object_id) == (
        "comment.added",
        other_editor,
        str(comment.pk),
    )


def test_an_empty_comment_is_refused(editor):
    post = post_in(S.DRAFT, author=editor)

    with pytest.raises(ReviewError, match="vuoto"):
        services.add_comment(post, by=editor, body="\n ")

    assert Comment.objects.count() == 0


def test_changing_self_approval_is_audited_with_before_and_after(admin_user):
    services.set_self_approval(by=admin_user, allowed=True)

    assert OfficeSettings.load().allow_self_approval is True
    entry = AuditEntry.objects.get(action="settings.self_approval")
    assert (entry.actor, entry.before, entry.after) == (
        admin_user,
        {"allow_self_approval": False},
        {"allow_self_approval": True},
    )


def test_only_administrators_change_self_approval(approver):
    with pytest.raises(ReviewError, match="Solo gli amministratori"):
        services.set_self_approval(by=approver, allowed=True)

    assert OfficeSettings.load().allow_self_approval is False
    assert AuditEntry.objects.count() == 0


def test_approvers_are_not_emailed_about_their_own_submission(
    approver, mailoutbox, django_capture_on_commit_callbacks
):
    colleague = UserFactory(username="collega", role="Approvatori")
    post = post_in(S.DRAFT, author=approver)

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_post(post, by=approver)

    assert [m.to for m in mailoutbox] == [[colleague.email]]


def test_a_title_with_line_breaks_still_makes_a_valid_email(
    editor, approver, mailoutbox, django_capture_on_commit_callbacks
):
    post = post_in(S.DRAFT, author=editor, title="Avviso\r\nBcc: tutti@esempio.it")

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_post(post, by=editor)

    assert [m.subject for m in mailoutbox] == ["Da approvare: Avviso Bcc: tutti@esempio.it"]
    assert mailoutbox[0].bcc == []


def test_a_comment_sent_twice_by_a_double_click_is_kept_once(editor):
    post = post_in(S.DRAFT, author=editor)

    first = services.add_comment(post, by=editor, body="Controlla l'orario.")
    second = services.add_comment(post, by=editor, body="Controlla l'orario.")

    assert second == first
    assert post.comments.count() == 1
    assert _actions(post) == ["comment.added"]


def test_the_same_words_later_are_a_new_comment(editor, monkeypatch):
    post = post_in(S.DRAFT, author=editor)
    services.add_comment(post, by=editor, body="Ok")
    later = timezone.now() + timedelta(minutes=5)
    monkeypatch.setattr("apps.review.services.timezone.now", lambda: later)

    services.add_comment(post, by=editor, body="Ok")

    assert post.comments.count() == 2


def test_plain_text_emails_carry_user_text_as_written_not_html_escaped(
    editor, approver, mailoutbox, django_capture_on_commit_callbacks
):
    post = post_in(S.IN_REVIEW, author=editor, title='Orari "estivi" & <festivi>')

    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(post, by=approver, comment="Usa <b>grassetto</b> & link")

    mail = mailoutbox[0]
    assert mail.subject == 'Modifiche richieste: Orari "estivi" & <festivi>'
    assert 'Orari "estivi" & <festivi>' in mail.body
    assert "Usa <b>grassetto</b> & link" in mail.body
    assert "&amp;" not in mail.body and "&lt;" not in mail.body
    assert mail.alternatives == []  # text only: nothing a mail client would render as HTML


def test_approval_is_refused_for_a_real_blocking_check_an_image_without_alt_text(editor, approver):
    from apps.planning.models import PostImage

    post = post_in(S.IN_REVIEW, author=editor)
    PostImage.objects.create(post=post, image="posts/a.png", alt_text=" ")

    with pytest.raises(ReviewError, match="regola bloccante"):
        services.approve_post(post, by=approver, expected_version=1)

    assert _unchanged(post, S.IN_REVIEW)
    assert Delivery.objects.filter(variant__post=post).count() == 0
