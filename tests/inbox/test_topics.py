"""Topics: a conversation's topic is the category of the post it answers, or one chosen by
hand; the inbox filters by it; the office chooses the topics whose editor replies wait for
an approver."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.inbox import services
from apps.inbox.enums import ConversationStatus as S
from apps.inbox.models import Conversation, Message
from apps.publishing.models import ChannelCredential, Delivery
from tests.channel_servers import start_server
from tests.factories import CategoryFactory, ChannelFactory, PostFactory, UserFactory
from tests.inbox.conftest import incoming

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def mastodon():
    server = start_server("mastodon")
    yield server
    server.stop()


@pytest.fixture
def channel(mastodon, office):
    mastodon.reset()
    channel = ChannelFactory(name="Mastodon del Comune", kind="mastodon", config=mastodon.config)
    ChannelCredential.objects.create(channel=channel, secret=mastodon.token)
    return channel


@pytest.fixture
def tributi(db):
    return CategoryFactory(name="Tributi", slug="tributi")


@pytest.fixture
def eventi(db):
    return CategoryFactory(name="Eventi", slug="eventi")


def _comment_on(channel, category, network_id):
    post = PostFactory(channels=[channel], category=category)
    external = f"9{network_id}"
    Delivery.objects.create(
        variant=post.variants.get(), due_at=timezone.now(), state="sent", external_id=external
    )
    services.ingest(channel=channel, items=[incoming(network_id, parent_id=external)])
    return Conversation.objects.get(messages__network_id=network_id)


def test_the_topic_is_the_category_of_the_post_answered(channel, tributi):
    conversation = _comment_on(channel, tributi, "101")
    assert conversation.topic == tributi
    services.ingest(channel=channel, items=[incoming("102", thread_key="102")])
    assert Conversation.objects.get(messages__network_id="102").topic is None


def test_the_inbox_filters_by_topic(editor_client, channel, tributi, eventi):
    tari = _comment_on(channel, tributi, "101")
    _comment_on(channel, eventi, "102")
    response = editor_client.get(reverse("inbox:list"), {"argomento": tributi.pk})
    assert list(response.context["page"].object_list) == [tari]
    assert "Tributi" in response.content.decode()
    # An unknown topic is shown as an error on the field, never a 500, and filters nothing.
    wrong = editor_client.get(reverse("inbox:list"), {"argomento": "99999"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["argomento"]
    assert len(wrong.context["page"].object_list) == 2


def test_a_topic_chosen_by_hand_is_audited(editor_client, editor, channel, tributi, eventi):
    conversation = _comment_on(channel, tributi, "101")
    url = reverse("inbox:topic", args=[conversation.pk])
    assert editor_client.post(url, {"argomento": eventi.pk}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.topic == eventi
    entry = AuditEntry.objects.get(action="inbox.topic")
    assert entry.actor == editor and "Eventi" in entry.summary
    editor_client.post(url, {"argomento": ""})
    conversation.refresh_from_db()
    assert conversation.topic is None
    bad = editor_client.post(url, {"argomento": "abc"})
    assert bad.status_code == 200 and bad.context["topic_form"].errors
    assert AuditEntry.objects.filter(action="inbox.topic").count() == 2


def test_an_editors_reply_on_a_chosen_topic_waits_for_an_approver(
    client, editor_client, editor, mastodon, channel, office, tributi
):
    office.approval_topics.add(tributi)
    conversation = _comment_on(channel, tributi, "120000001")
    page = editor_client.get(conversation.get_absolute_url()).content.decode()
    assert "escono dopo il via di chi approva" in page

    editor_client.post(
        reverse("inbox:reply", args=[conversation.pk]), {"testo": "Scade il 16", "chiave": "a"}
    )

    assert mastodon.requests_to("/api/v1/statuses") == []
    proposed = Message.objects.get(direction="out")
    assert proposed.awaiting_approval is True
    approver = UserFactory(username="approva", role="Approvatori")
    services.approve_reply(message=proposed, by=approver)
    assert len(mastodon.requests_to("/api/v1/statuses")) == 1
    conversation.refresh_from_db()
    assert conversation.status == S.ANSWERED


def test_replies_on_other_topics_and_by_approvers_go_out_at_once(
    editor, mastodon, channel, office, tributi, eventi
):
    office.approval_topics.add(tributi)
    on_events = _comment_on(channel, eventi, "120000001")
    on_taxes = _comment_on(channel, tributi, "120000002")
    approver = UserFactory(username="approva", role="Approvatori")

    by_editor = services.reply(conversation=on_events, text="Alle 21", by=editor)
    by_approver = services.reply(conversation=on_taxes, text="Il 16", by=approver)

    assert (by_editor.awaiting_approval, by_approver.awaiting_approval) == (False, False)
    assert len(mastodon.requests_to("/api/v1/statuses")) == 2
