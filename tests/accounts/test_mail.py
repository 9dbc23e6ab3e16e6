"""Office emails leave from Celery tasks, each in the language its recipient chose."""

import pytest
from django.core import mail
from django.urls import reverse

from apps.accounts.mail import language_of
from apps.planning.enums import PostStatus
from apps.review import services as review
from tests.factories import UserFactory
from tests.review.factories import post_in

pytestmark = pytest.mark.django_db


def test_choosing_english_with_the_switcher_is_remembered_for_emails(editor_client, editor):
    editor_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert language_of(editor) == "en"


def test_an_unknown_language_is_not_remembered(editor_client, editor):
    editor_client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert language_of(editor) == "it"


def test_each_approver_reads_the_review_email_in_their_language(
    editor, approver, client, tasks_run_at_once, django_capture_on_commit_callbacks
):
    english_approver = UserFactory(username="anna", email="anna@comune.example")
    english_approver.groups.set(approver.groups.all())
    client.force_login(english_approver)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    post = post_in(PostStatus.DRAFT, author=editor, title="Mercato")

    with django_capture_on_commit_callbacks(execute=True):
        review.submit_post(post, by=editor)

    subjects = {tuple(m.to): m.subject for m in mail.outbox}
    assert subjects == {
        (approver.email,): "Da approvare: Mercato",
        (english_approver.email,): "To approve: Mercato",
    }


def test_a_broker_that_is_down_does_not_undo_the_submission(
    editor, approver, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.review import tasks

    def refuse(**kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.notify_submitted, "delay", refuse)
    post = post_in(PostStatus.DRAFT, author=editor)

    with django_capture_on_commit_callbacks(execute=True):
        review.submit_post(post, by=editor)

    post.refresh_from_db()
    assert (post.status, mail.outbox) == ("in_review", [])


def test_without_the_task_running_the_request_sends_nothing(
    editor, approver, django_capture_on_commit_callbacks
):
    """The email is the worker's job: a slow mail server never slows the click."""
    post = post_in(PostStatus.DRAFT, author=editor)
    with django_capture_on_commit_callbacks(execute=True):
        review.submit_post(post, by=editor)
    assert mail.outbox == []


def test_a_failed_delivery_is_told_to_each_person_in_their_language(editor, approver, client):
    from apps.publishing.enums import DeliveryState
    from apps.publishing.models import Delivery
    from apps.publishing.notifications import _notify_problem
    from apps.publishing.services import schedule_deliveries

    client.force_login(approver)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    post = post_in(PostStatus.APPROVED, author=editor, title="Mercato")
    schedule_deliveries(post=post)
    delivery = Delivery.objects.filter(variant__post=post).first()
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED)

    _notify_problem(delivery_id=delivery.pk)

    subjects = {tuple(m.to): m.subject.split(":")[0] for m in mail.outbox}
    assert subjects == {(editor.email,): "Invio non riuscito", (approver.email,): "Delivery failed"}
