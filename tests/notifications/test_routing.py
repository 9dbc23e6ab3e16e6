"""The events that used to send emails now reach the notification centre too, and each person's
choice decides the email: review needed, changes requested, approved, a send to look at, a
channel to reconnect, a slot to fill."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels import connections
from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection
from apps.notifications.enums import Delivery, Kind
from apps.notifications.models import Notification, NotificationSettings
from apps.planning.enums import PostStatus as S
from apps.publishing.models import Delivery as Send
from apps.publishing.notifications import _notify_problem
from apps.review import services
from apps.slots import services as slot_services
from tests.factories import ChannelFactory, UserFactory
from tests.review.factories import post_in
from tests.slots.conftest import rome
from tests.slots.factories import SlotFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_run_at_once")]


def _rows(kind):
    return list(
        Notification.objects.filter(kind=kind)
        .order_by("user__username")
        .values_list("user__username", "url")
    )


def test_a_submitted_post_reaches_the_approvers_in_app_and_as_they_chose(
    editor, approver, mailoutbox, django_capture_on_commit_callbacks
):
    quiet_approver = UserFactory(username="approvatore_silenzioso", role="Approvatori")
    NotificationSettings.objects.create(
        user=quiet_approver, choices={Kind.REVIEW_NEEDED: Delivery.IN_APP}
    )
    post = post_in(S.DRAFT, author=editor, title="Chiusura anagrafe")

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_post(post, by=editor)

    url = f"/revisione/post/{post.pk}/"
    assert _rows(Kind.REVIEW_NEEDED) == [(quiet_approver.username, url), (approver.username, url)]
    assert [m.to for m in mailoutbox] == [[approver.email]]
    assert mailoutbox[0].subject == "Da approvare: Chiusura anagrafe"


def test_approval_and_changes_requested_reach_the_author(
    editor, approver, mailoutbox, django_capture_on_commit_callbacks
):
    approved = post_in(S.IN_REVIEW, author=editor, title="Raccolta rifiuti")
    sent_back = post_in(S.IN_REVIEW, author=editor, title="Orari estivi")

    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(approved, by=approver, expected_version=1)
        services.request_changes(sent_back, by=approver, comment="Manca il sabato")

    assert _rows(Kind.APPROVED) == [(editor.username, f"/calendario/{approved.pk}/")]
    assert _rows(Kind.CHANGES_REQUESTED) == [(editor.username, f"/calendario/{sent_back.pk}/")]
    assert sorted(m.subject for m in mailoutbox) == [
        "Approvato: Raccolta rifiuti",
        "Modifiche richieste: Orari estivi",
    ]


def test_a_send_to_look_at_reaches_the_author_and_the_approvers(
    editor, approver, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    post = post_in(S.IN_REVIEW, author=editor, title="Ponte chiuso")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(post, by=approver, expected_version=1)
    mailoutbox.clear()
    delivery = Send.objects.get(variant__post=post)

    _notify_problem(delivery_id=delivery.pk)

    url = f"/calendario/{post.pk}/"
    assert _rows(Kind.DELIVERY_PROBLEM) == sorted(
        [(editor.username, url), (approver.username, url), (admin_user.username, url)]
    )
    row = Notification.objects.filter(kind=Kind.DELIVERY_PROBLEM).first()
    assert row.text == "Invio da verificare: «Ponte chiuso» su Facebook"
    assert mailoutbox[0].subject == "Invio non riuscito: Ponte chiuso su Facebook"


def test_a_channel_to_reconnect_reaches_the_administrators(admin_user, editor, mailoutbox):
    channel = ChannelFactory(name="Instagram · Comune")

    connections._notify_reconnect(channel.pk)

    url = f"/canali/{channel.pk}/modifica/"
    assert _rows(Kind.CHANNEL_RECONNECT) == [(admin_user.username, url)]
    assert [m.subject for m in mailoutbox] == ["Canale da ricollegare: Instagram · Comune"]


def test_an_expiry_warning_waits_for_the_digest_of_an_administrator_who_chose_it(
    admin_user, mailoutbox
):
    NotificationSettings.objects.create(
        user=admin_user, choices={Kind.CHANNEL_RECONNECT: Delivery.DIGEST}
    )
    channel = ChannelFactory(name="LinkedIn · Comune", kind=ChannelKind.LINKEDIN)
    ChannelConnection.objects.create(
        channel=channel,
        provider="linkedin",
        account_name="Comune",
        access_token="AQV-secret",
        expires_at=timezone.now() + timedelta(days=2),
        connected_at=timezone.now(),
    )

    assert connections.warn_expiring_connections() == 1

    assert mailoutbox == []
    row = Notification.objects.get(kind=Kind.CHANNEL_RECONNECT)
    assert row.text == "Canale da ricollegare entro 3 giorni: LinkedIn · Comune"
    assert row.email_due_at > timezone.now()


def test_a_slot_to_fill_reaches_its_owner_even_without_an_address(settings, mailoutbox):
    settings.SLOT_REMINDER_DAYS = 3
    owner = UserFactory(username="giulia", email="")
    SlotFactory(name="Eventi del weekend", owner=owner)

    assert slot_services.send_empty_slot_reminders(now=rome(2026, 3, 4, 8)) == 1

    row = Notification.objects.get()
    assert (row.user, row.kind, row.url) == (owner, Kind.SLOT_TO_FILL, "/rubriche/")
    assert row.text == "Rubriche da riempire: 1 uscita nei prossimi giorni"
    assert mailoutbox == []
