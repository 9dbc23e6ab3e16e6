"""The inbox's rules: storing once, the status machine, reopening, due times, retention."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.inbox import services, transitions
from apps.inbox.enums import ConversationStatus as S
from apps.inbox.models import Conversation, Message, ResponseTarget
from apps.publishing.models import Delivery
from tests.factories import ChannelFactory, PostFactory, UserFactory
from tests.inbox.conftest import at, incoming

pytestmark = pytest.mark.django_db


def test_a_message_is_stored_once_by_its_network_id(channel, office):
    first = services.ingest(channel=channel, items=[incoming("101")])
    again = services.ingest(channel=channel, items=[incoming("101"), incoming("101")])
    assert (first.new, again.new) == (1, 0)
    assert Message.objects.filter(channel=channel).count() == 1
    assert Conversation.objects.count() == 1


def test_the_same_network_id_on_two_channels_is_two_messages(channel, office):
    other = ChannelFactory(name="Altro", kind="mastodon")
    services.ingest(channel=channel, items=[incoming("101")])
    services.ingest(channel=other, items=[incoming("101")])
    assert Message.objects.count() == 2


def test_a_reply_joins_the_conversation_of_the_message_it_answers(channel, office):
    services.ingest(channel=channel, items=[incoming("101")])
    services.ingest(
        channel=channel,
        items=[incoming("102", "E per i negozi?", thread_key="102", parent_id="101")],
    )
    conversation = Conversation.objects.get()
    assert list(conversation.messages.values_list("network_id", flat=True)) == ["101", "102"]


def test_a_comment_on_our_post_links_the_post(channel, office):
    post = PostFactory(channels=[channel])
    Delivery.objects.create(
        variant=post.variants.get(), due_at=timezone.now(), state="sent", external_id="555"
    )
    services.ingest(channel=channel, items=[incoming("101", parent_id="555")])
    assert Conversation.objects.get().post == post


def test_due_time_follows_the_channel_target_in_working_hours(channel, office):
    ResponseTarget.objects.create(channel=channel, kind="private", hours=8)
    # Monday 7 Dec 2026, 15:00 + 8 working hours (8-17): 2 h on Monday; Tuesday 8 December is
    # a holiday (Immacolata); 6 more on Wednesday 9 -> 14:00.
    services.ingest(
        channel=channel,
        items=[
            incoming("dm1", kind="private", thread_key="dm:u1", received_at=at(2026, 12, 7, 15))
        ],
    )
    assert Conversation.objects.get().due_at == at(2026, 12, 9, 14, 0)


def test_without_a_target_public_comments_get_24_working_hours(channel, office):
    services.ingest(channel=channel, items=[incoming("101", received_at=at(2026, 12, 9, 8, 0))])
    # Wed 9 8:00: 9 h on Wed, Thu and 6 on Fri -> Friday 11 at 14:00.
    assert Conversation.objects.get().due_at == at(2026, 12, 11, 14, 0)


def test_the_status_machine_refuses_moves_not_in_its_table(channel, office):
    services.ingest(channel=channel, items=[incoming("101")])
    conversation = Conversation.objects.get()
    with pytest.raises(transitions.TransitionError):
        transitions.move(conversation, S.REOPENED)
    with pytest.raises(transitions.TransitionError):
        transitions.move(conversation, S.CLOSED)  # no reason
    assert Conversation.objects.get().status == S.NEW


def test_a_stale_move_changes_nothing(channel, office):
    services.ingest(channel=channel, items=[incoming("101")])
    person = UserFactory(username="ufficio")
    first = Conversation.objects.get()
    stale = Conversation.objects.get()
    assert services.close(conversation=first, reason="spam", by=person) is True
    assert services.close(conversation=stale, reason="insult", by=person) is False
    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.close_reason) == (S.CLOSED, "spam")
    assert AuditEntry.objects.filter(action="inbox.closed").count() == 1


def test_closing_with_a_reason_is_audited_without_the_message(channel, office):
    services.ingest(channel=channel, items=[incoming("101", "Siete dei ladri")])
    services.close(conversation=Conversation.objects.get(), reason="insult", by=None)
    entry = AuditEntry.objects.get(action="inbox.closed")
    assert "Insulto" in entry.summary and "ladri" not in entry.summary


def test_the_citizen_writing_again_reopens_a_closed_conversation(channel, office):
    services.ingest(channel=channel, items=[incoming("dm1", kind="private", thread_key="dm:u1")])
    services.close(conversation=Conversation.objects.get(), reason="off_topic", by=None)
    result = services.ingest(
        channel=channel,
        items=[
            incoming("dm2", kind="private", thread_key="dm:u1", received_at=at(2026, 12, 9, 10, 0))
        ],
    )
    conversation = Conversation.objects.get()
    assert result.reopened == 1
    assert conversation.status == S.REOPENED
    assert conversation.unread is True
    assert conversation.waiting_since == at(2026, 12, 9, 10, 0)


def test_an_edit_by_the_citizen_updates_the_text(channel, office):
    services.ingest(channel=channel, items=[incoming("101", "Quando scade?")])
    edited = at(2026, 12, 7, 9, 5)
    result = services.ingest(
        channel=channel, items=[incoming("101", "Quando scade la TARI?", edited_at=edited)]
    )
    message = Message.objects.get()
    assert result.updated == 1
    assert (message.text, message.edited_at) == ("Quando scade la TARI?", edited)


def test_a_deletion_by_the_citizen_keeps_that_it_existed_not_what_it_said(channel, office):
    services.ingest(channel=channel, items=[incoming("101", "Il mio codice fiscale è …")])
    services.ingest(channel=channel, items=[incoming("101", "", deleted=True)])
    message = Message.objects.get()
    assert message.text == ""
    assert message.deleted_by_author_at is not None


def test_retention_deletes_content_and_keeps_counts(channel, office):
    services.ingest(
        channel=channel, items=[incoming("old", received_at=timezone.now() - timedelta(days=800))]
    )
    services.ingest(channel=channel, items=[incoming("new", thread_key="new")])
    assert services.purge_expired(months=24, dry_run=True) == 1
    assert services.purge_expired(months=24) == 1
    old = Conversation.objects.get(thread_key="old")
    assert old.purged_at is not None
    assert (old.citizen_name, old.messages.get().text) == ("", "")
    assert Conversation.objects.get(thread_key="new").messages.get().text != ""
    assert Conversation.objects.count() == 2  # the counts remain
    assert services.purge_expired(months=24) == 0


def test_the_retention_command_uses_the_administrators_period(channel, office):
    from io import StringIO

    from django.core.management import call_command

    office.retention_months = 1
    office.save()
    services.ingest(
        channel=channel, items=[incoming("old", received_at=timezone.now() - timedelta(days=40))]
    )
    out = StringIO()
    call_command("inbox_retention", "--dry-run", stdout=out)
    assert "would clear 1 conversation(s) older than 1 months" in out.getvalue()
    call_command("inbox_retention", stdout=StringIO())
    assert Conversation.objects.get().purged_at is not None
