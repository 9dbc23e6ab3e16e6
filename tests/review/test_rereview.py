"""Approval is of an exact version: an edit after approval sends the post back to review.

The edit itself is the planning area's ``update_post``; these tests check that the workflow
picks the result up (one-click re-approval only when just the time moved).
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from apps.planning.enums import PostStatus as S
from apps.planning.models import Post
from apps.review import services
from apps.review.editing import update_post
from apps.review.selectors import changes_since_approval, diff_versions, versions_of
from apps.review.services import ReviewError
from tests.review.factories import post_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_post(editor, approver):
    post = post_in(S.IN_REVIEW, author=editor)
    services.approve_post(post, by=approver, expected_version=post.version)
    return Post.objects.get(pk=post.pk)


def test_a_reschedule_after_approval_can_be_approved_again_in_one_click(
    approved_post, editor, approver
):
    update_post(
        approved_post,
        by=editor,
        expected_version=approved_post.version,
        planned_at=approved_post.planned_at + timedelta(hours=2),
    )
    post = Post.objects.get(pk=approved_post.pk)
    assert (post.status, post.reschedule_only_pending) == (S.IN_REVIEW, True)

    services.reapprove_reschedule(post, by=approver, expected_version=post.version)

    post.refresh_from_db()
    assert (post.status, post.approved_version) == (S.APPROVED, 2)


def test_a_text_edit_after_approval_needs_a_full_review(approved_post, editor, approver):
    update_post(
        approved_post,
        by=editor,
        expected_version=approved_post.version,
        base_text="Testo cambiato dopo l'approvazione.",
    )
    post = Post.objects.get(pk=approved_post.pk)

    with pytest.raises(ReviewError, match="non è cambiato solo"):
        services.reapprove_reschedule(post, by=approver, expected_version=post.version)
    services.approve_post(post, by=approver, expected_version=post.version)

    post.refresh_from_db()
    assert (post.status, post.approved_version) == (S.APPROVED, 2)


def test_the_approval_of_the_old_version_cannot_be_replayed(approved_post, editor, approver):
    update_post(
        approved_post, by=editor, expected_version=approved_post.version, base_text="Nuovo."
    )
    post = Post.objects.get(pk=approved_post.pk)

    with pytest.raises(ReviewError, match="modificato dopo"):
        services.approve_post(post, by=approver, expected_version=1)

    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW


def test_an_edit_through_the_planning_service_is_a_version_with_a_readable_diff(editor):
    post = post_in(S.DRAFT, author=editor, base_text="Chiuso lunedì.")
    variant = post.variants.get()

    update_post(
        post,
        by=editor,
        expected_version=1,
        base_text="Chiuso martedì.",
        variant_texts={variant.channel_id: "Chiuso martedì, riapre mercoledì."},
    )

    assert len(versions_of(post)) == 2
    changes = {c.label: c.segments for c in diff_versions(post, old=1, new=2)}
    assert changes["Testo base"] == [
        ("equal", "Chiuso "),
        ("delete", "lunedì."),
        ("insert", "martedì."),
    ]
    assert ("insert", "martedì, riapre mercoledì.") in changes["Testo per Facebook"]


def test_approvers_see_what_changed_since_the_approval(approved_post, editor, approver, client):
    new_time = approved_post.planned_at + timedelta(days=1)
    update_post(
        approved_post,
        by=editor,
        expected_version=approved_post.version,
        base_text="Testo <i>corretto</i> dopo l'approvazione.",
        planned_at=new_time,
    )
    client.force_login(approver)

    body = client.get(reverse("review:queue")).content.decode()

    assert "Cosa è cambiato dall'approvazione" in body
    assert "&lt;i&gt;corretto&lt;/i&gt;" in body
    labels = [c.label for c in changes_since_approval(Post.objects.get(pk=approved_post.pk))]
    assert labels == ["Data e ora", "Testo base"]


def test_editing_a_channel_text_of_an_approved_post_sends_it_back_for_a_full_review(
    approved_post, editor
):
    variant = approved_post.variants.get()

    update_post(
        approved_post,
        by=editor,
        expected_version=approved_post.version,
        variant_texts={variant.channel_id: "Solo il testo per Facebook cambia."},
    )

    post = Post.objects.get(pk=approved_post.pk)
    assert (post.status, post.reschedule_only_pending) == (S.IN_REVIEW, False)


def test_adding_a_channel_to_an_approved_post_sends_it_back_to_review(approved_post, editor):
    from tests.factories import ChannelFactory

    update_post(
        approved_post,
        by=editor,
        expected_version=approved_post.version,
        channels=[approved_post.variants.get().channel, ChannelFactory(name="Telegram")],
    )

    assert Post.objects.get(pk=approved_post.pk).status == S.IN_REVIEW


def test_notes_for_colleagues_keep_the_approval(approved_post, editor):
    update_post(
        approved_post, by=editor, expected_version=approved_post.version, notes="Da condividere"
    )

    post = Post.objects.get(pk=approved_post.pk)
    assert (post.status, post.approved_version, post.version) == (S.APPROVED, 2, 2)


def test_the_last_editor_of_a_sent_back_post_cannot_approve_it(approved_post, approver):
    update_post(
        approved_post, by=approver, expected_version=approved_post.version, base_text="Nuovo."
    )
    post = Post.objects.get(pk=approved_post.pk)

    with pytest.raises(ReviewError, match="scritto o modificato"):
        services.approve_post(post, by=approver, expected_version=post.version)

    assert Post.objects.get(pk=post.pk).status == S.IN_REVIEW


def test_a_post_in_review_cannot_be_edited_until_withdrawn(editor):
    from apps.planning.services import PostEditError

    post = post_in(S.IN_REVIEW, author=editor, base_text="In revisione.")

    with pytest.raises(PostEditError, match="ritiralo"):
        update_post(post, by=editor, expected_version=post.version, base_text="Cambiato.")
    assert Post.objects.get(pk=post.pk).base_text == "In revisione."

    services.withdraw_post(post, by=editor)
    update_post(post, by=editor, expected_version=post.version, base_text="Cambiato.")

    assert Post.objects.get(pk=post.pk).base_text == "Cambiato."


def test_changing_an_image_of_an_approved_post_sends_it_back_to_review(approved_post, editor):
    from apps.planning.models import PostImage

    image = PostImage.objects.create(post=approved_post, image="posts/a.png", alt_text="Ponte")

    update_post(
        approved_post,
        by=editor,
        expected_version=approved_post.version,
        image_updates={image.pk: {"alt_text": "Il ponte chiuso"}},
    )

    assert Post.objects.get(pk=approved_post.pk).status == S.IN_REVIEW


def test_a_public_title_edited_after_approval_shows_in_what_changed(approved_post, editor):
    variant = approved_post.variants.get()

    update_post(
        approved_post,
        by=editor,
        expected_version=approved_post.version,
        public_titles={variant.channel_id: "Il ponte riapre"},
    )

    post = Post.objects.get(pk=approved_post.pk)
    assert post.status == S.IN_REVIEW
    changes = {c.label: c.segments for c in changes_since_approval(post)}
    assert changes == {"Titolo pubblico per Facebook": [("insert", "Il ponte riapre")]}
