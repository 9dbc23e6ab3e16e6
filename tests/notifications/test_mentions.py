"""@mentions in comments: who is told, and who never is."""

import pytest

from apps.notifications.enums import Kind
from apps.notifications.mentions import MAX_MENTIONS, mentioned_usernames
from apps.notifications.models import Notification
from apps.planning.enums import PostStatus as S
from apps.review import notifications, services
from tests.factories import UserFactory
from tests.review.factories import post_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def test_mentions_are_read_from_the_text_once_each_in_order():
    text = "Ciao @anna.rossi e @marco, vedi anche @anna.rossi. Grazie @luca."

    assert mentioned_usernames(text) == ["anna.rossi", "marco", "luca"]


def test_an_email_address_is_not_a_mention():
    assert mentioned_usernames("scrivi a ufficio@comune.it o a @@doppio") == []


def test_a_long_text_of_mentions_is_cut_at_the_limit():
    text = " ".join(f"@persona{i}" for i in range(5 * MAX_MENTIONS))

    assert mentioned_usernames(text) == [f"persona{i}" for i in range(MAX_MENTIONS)]


def test_a_mentioned_colleague_is_notified_with_a_link_to_the_comment(
    editor, approver, mailoutbox, django_capture_on_commit_callbacks
):
    post = post_in(S.DRAFT, author=editor, title="Sagra d'autunno")
    approver.first_name, approver.last_name = "Anna", "Rossi"
    approver.save(update_fields=["first_name", "last_name"])

    with django_capture_on_commit_callbacks(execute=True):
        comment = services.add_comment(post, by=approver, body=f"@{editor.username} manca l'orario")

    row = Notification.objects.get()
    assert (row.user, row.kind) == (editor, Kind.MENTION)
    assert row.url == f"/calendario/{post.pk}/#comment-{comment.pk}"
    assert row.text == "Anna Rossi ti ha menzionato nei commenti di «Sagra d'autunno»"
    assert [m.to for m in mailoutbox] == [[editor.email]]
    assert mailoutbox[0].subject == "Anna Rossi ti ha menzionato: Sagra d'autunno"
    assert "manca l'orario" in mailoutbox[0].body


def test_a_mention_of_someone_without_access_to_the_post_tells_them_nothing(
    editor, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    post = post_in(S.DRAFT, author=editor, title="Riservato")

    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(post, by=editor, body=f"@{outsider.username} guarda qui")

    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_no_one_is_told_of_their_own_mention_or_of_an_unknown_or_inactive_name(
    editor, mailoutbox, django_capture_on_commit_callbacks
):
    gone = UserFactory(username="ex_collega", role="Redazione", is_active=False)
    post = post_in(S.DRAFT, author=editor)

    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(
            post, by=editor, body=f"@{editor.username} @{gone.username} @nessuno ok"
        )

    assert Notification.objects.count() == 0
    assert mailoutbox == []


def test_a_mention_in_a_request_for_changes_is_notified_too(
    editor, approver, admin_user, django_capture_on_commit_callbacks
):
    post = post_in(S.IN_REVIEW, author=editor)

    with django_capture_on_commit_callbacks(execute=True):
        services.request_changes(post, by=approver, comment=f"Chiedi a @{admin_user.username}")

    assert list(Notification.objects.filter(kind=Kind.MENTION).values_list("user", flat=True)) == [
        admin_user.pk
    ]


def test_the_mention_task_run_twice_tells_each_person_once(editor, approver, mailoutbox):
    post = post_in(S.DRAFT, author=editor)
    comment = post.comments.create(author=approver, body=f"@{editor.username} ok?")

    assert notifications.notify_mentions(comment_id=comment.pk) == 1
    assert notifications.notify_mentions(comment_id=comment.pk) == 0

    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1
