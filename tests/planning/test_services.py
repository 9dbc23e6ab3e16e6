"""Editing and moving posts: versions, the way back to review, stale edits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.services import PostEditError, StalePostError, create_post
from apps.review.editing import reschedule_post, update_post
from tests.factories import CategoryFactory, ChannelFactory, PostFactory

# Emails leave from Celery tasks: here they run on the spot.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


@pytest.fixture
def channels():
    return [
        ChannelFactory(name="Facebook", kind=ChannelKind.FACEBOOK),
        ChannelFactory(name="X", kind=ChannelKind.X),
    ]


def _approved(editor, channels, **kwargs):
    return PostFactory(author=editor, channels=channels, status=PostStatus.APPROVED, **kwargs)


def test_create_post_makes_one_variant_per_channel_from_the_base_text(editor, channels):
    post = create_post(
        author=editor,
        title="Chiusura anagrafe",
        category=CategoryFactory(),
        planned_at=timezone.now() + timedelta(days=2),
        channels=channels,
        base_text="L'anagrafe è chiusa lunedì.",
        variant_texts={channels[1].pk: "Anagrafe chiusa lunedì."},
    )
    texts = {v.channel.name: v.text for v in post.variants.all()}
    assert texts == {"Facebook": "L'anagrafe è chiusa lunedì.", "X": "Anagrafe chiusa lunedì."}
    assert (post.status, post.version, post.last_editor) == (PostStatus.DRAFT, 1, editor)


def test_update_post_bumps_the_version_sets_the_editor_and_audits_before_and_after(
    editor, approver, channels
):
    post = PostFactory(author=editor, channels=channels, title="Vecchio")
    update_post(post, by=approver, expected_version=1, title="Nuovo")
    post.refresh_from_db()
    assert (post.title, post.version, post.last_editor) == ("Nuovo", 2, approver)
    entry = AuditEntry.objects.get(action="post.updated")
    assert (entry.before, entry.after, entry.post_id) == (
        {"title": "Vecchio"},
        {"title": "Nuovo"},
        post.pk,
    )


def test_update_post_with_nothing_changed_keeps_the_version(editor, channels):
    post = PostFactory(author=editor, channels=channels, title="Uguale")
    update_post(post, by=editor, expected_version=1, title="Uguale")
    post.refresh_from_db()
    assert post.version == 1
    assert not AuditEntry.objects.filter(action="post.updated").exists()


def test_a_stale_version_is_refused_and_nothing_is_saved(editor, channels):
    post = PostFactory(author=editor, channels=channels, title="Originale")
    update_post(post, by=editor, expected_version=1, title="Prima modifica")
    with pytest.raises(StalePostError, match="ricarica la pagina"):
        update_post(
            Post.objects.get(pk=post.pk),
            by=editor,
            expected_version=1,
            title="Seconda",
            variant_texts={channels[0].pk: "Perso"},
        )
    post.refresh_from_db()
    assert (post.title, post.version) == ("Prima modifica", 2)
    assert "Perso" not in [v.text for v in post.variants.all()]


def test_editing_the_text_of_an_approved_post_sends_it_back_to_review(editor, channels):
    post = _approved(editor, channels)
    update_post(post, by=editor, expected_version=1, variant_texts={channels[1].pk: "Nuovo"})
    post.refresh_from_db()
    assert (post.status, post.reschedule_only_pending, post.version) == (
        PostStatus.IN_REVIEW,
        False,
        2,
    )
    assert AuditEntry.objects.filter(action="post.back_to_review", post_id=post.pk).exists()


def test_an_approved_post_sent_back_to_review_emails_the_approvers_after_commit(
    editor, approver, channels, django_capture_on_commit_callbacks, mailoutbox
):
    post = _approved(editor, channels)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        update_post(post, by=editor, expected_version=1, base_text="Testo cambiato")
    assert len(callbacks) == 1
    assert [m.to for m in mailoutbox] == [[approver.email]]
    assert post.title in mailoutbox[0].subject


def test_editing_a_draft_emails_nobody(
    editor, approver, channels, django_capture_on_commit_callbacks, mailoutbox
):
    post = PostFactory(author=editor, channels=channels)
    with django_capture_on_commit_callbacks(execute=True):
        update_post(post, by=editor, expected_version=1, base_text="Testo cambiato")
    assert mailoutbox == []


def test_moving_only_the_time_of_an_approved_post_marks_it_reschedule_only(editor, channels):
    post = _approved(editor, channels)
    reschedule_post(
        post, by=editor, planned_at=post.planned_at + timedelta(hours=2), expected_version=1
    )
    post.refresh_from_db()
    assert (post.status, post.reschedule_only_pending) == (PostStatus.IN_REVIEW, True)


def test_a_paused_post_whose_channels_change_goes_back_to_review(editor, channels):
    post = PostFactory(author=editor, channels=channels, status=PostStatus.PAUSED)
    update_post(post, by=editor, expected_version=1, channels=channels[:1])
    post.refresh_from_db()
    assert post.status == PostStatus.IN_REVIEW
    assert [v.channel for v in post.variants.all()] == channels[:1]


def test_notes_for_colleagues_keep_an_approved_post_approved_at_the_new_version(editor, channels):
    post = _approved(editor, channels, approved_version=1)
    update_post(post, by=editor, expected_version=1, notes="Ricordarsi di condividere")
    post.refresh_from_db()
    assert (post.status, post.version, post.approved_version) == (PostStatus.APPROVED, 2, 2)


def test_renaming_an_approved_post_sends_it_back_to_review(editor, channels):
    # Until posts have a public title, the title reaches citizens (newsletter, website).
    post = _approved(editor, channels, approved_version=1)
    update_post(post, by=editor, expected_version=1, title="ULTIM'ORA: chiude la biblioteca")
    post.refresh_from_db()
    assert (post.status, post.approved_version) == (PostStatus.IN_REVIEW, 1)


def test_a_post_in_review_must_be_withdrawn_before_editing(editor, channels):
    post = PostFactory(author=editor, channels=channels, status=PostStatus.IN_REVIEW)
    with pytest.raises(PostEditError, match="ritiralo"):
        update_post(post, by=editor, expected_version=1, title="No")
    post.refresh_from_db()
    assert post.version == 1


def test_a_published_post_cannot_be_edited(editor, channels):
    post = PostFactory(author=editor, channels=channels, status=PostStatus.PUBLISHED)
    with pytest.raises(PostEditError):
        update_post(post, by=editor, expected_version=1, title="No")


def test_a_new_channel_starts_from_the_base_text(editor, channels):
    post = PostFactory(author=editor, channels=channels[:1], base_text="Testo base")
    update_post(post, by=editor, expected_version=1, channels=channels)
    assert {v.channel.name: v.text for v in post.variants.all()} == {
        "Facebook": "Testo base",
        "X": "Testo base",
    }


def test_a_post_cannot_be_moved_into_the_past(editor, channels):
    post = PostFactory(author=editor, channels=channels)
    with pytest.raises(PostEditError, match="passato"):
        reschedule_post(
            post,
            by=editor,
            planned_at=timezone.now() - timedelta(days=1),
            expected_version=1,
        )


def test_an_image_without_alt_text_is_refused(editor, channels):
    from django.core.files.uploadedfile import SimpleUploadedFile

    post = PostFactory(author=editor, channels=channels)
    image = SimpleUploadedFile("a.png", b"x", content_type="image/png")
    with pytest.raises(PostEditError, match="testo alternativo"):
        update_post(
            post, by=editor, expected_version=1, images_to_add=[{"image": image, "alt_text": " "}]
        )
    assert post.images.count() == 0


def test_duplicating_a_post_makes_a_draft_of_whoever_asks(editor, other_editor, channels):
    from apps.planning.services import duplicate_post

    post = PostFactory(
        author=editor, channels=channels, status=PostStatus.PUBLISHED, title="Scadenza IMU"
    )
    post.variants.filter(channel=channels[1]).update(text="Breve per X")
    when = timezone.now() + timedelta(days=300)
    copy = duplicate_post(post, by=other_editor, planned_at=when)
    assert (copy.title, copy.author, copy.status, copy.planned_at) == (
        "Scadenza IMU (copia)",
        other_editor,
        PostStatus.DRAFT,
        when,
    )
    assert {v.channel.name: v.text for v in copy.variants.all()}["X"] == "Breve per X"
    assert AuditEntry.objects.filter(action="post.duplicated", post_id=copy.pk).exists()


def test_a_channel_the_post_already_went_out_on_cannot_be_removed(editor, channels):
    from apps.publishing.enums import DeliveryState
    from apps.publishing.services import schedule_deliveries

    post = _approved(editor, channels, approved_version=1)
    deliveries = schedule_deliveries(post=post)
    sent = next(d for d in deliveries if d.variant.channel == channels[1])
    sent.state = DeliveryState.SENT
    sent.save(update_fields=["state"])

    with pytest.raises(PostEditError, match="X"):
        update_post(post, by=editor, expected_version=post.version, channels=channels[:1])

    post.refresh_from_db()
    assert post.variants.count() == 2
    assert post.status == PostStatus.APPROVED


def test_a_channel_still_waiting_to_go_out_can_be_removed(editor, channels):
    from apps.publishing.services import schedule_deliveries

    post = _approved(editor, channels, approved_version=1)
    schedule_deliveries(post=post)
    update_post(post, by=editor, expected_version=post.version, channels=channels[:1])
    assert post.variants.count() == 1
