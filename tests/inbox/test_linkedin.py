"""LinkedIn: comments on the Comune's organisation posts sent in the last days are collected
page by page from the local Comments API, and answered as the organisation under them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.inbox import collecting, services
from apps.inbox.enums import ConversationKind, ListeningState
from apps.inbox.enums import ConversationStatus as S
from apps.inbox.models import ChannelListening, Conversation, Message
from apps.publishing.adapters.base import PermanentError, ReplyRequest
from apps.publishing.adapters.linkedin import LinkedInAdapter
from apps.publishing.models import ChannelCredential, Delivery
from tests.channel_servers import start_server
from tests.factories import ChannelFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def server():
    started = start_server("linkedin")
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def poll_at_once(settings):
    """Each test polls when it wants (the quota spacing has its own test)."""
    settings.INBOX_LINKEDIN_POLL_SECONDS = 0


@pytest.fixture
def channel(server, office):
    server.reset()
    channel = ChannelFactory(name="LinkedIn del Comune", kind="linkedin", config=server.config)
    ChannelCredential.objects.create(channel=channel, secret=server.token)
    return channel


def sent_post(channel, server, *, days_ago=1):
    urn = server.add_post()
    post = PostFactory(channels=[channel])
    sent_at = timezone.now() - timedelta(days=days_ago)
    Delivery.objects.create(
        variant=post.variants.get(), due_at=sent_at, sent_at=sent_at, state="sent", external_id=urn
    )
    return post, urn


def collect(channel) -> str:
    return collecting.collect_channel(channel_id=channel.pk)


def test_comments_on_our_recent_posts_are_collected_and_linked_to_the_post(channel, server):
    post, urn = sent_post(channel, server)
    first = server.add_comment(urn, "A che ora apre l'ufficio tributi?")
    server.add_comment(
        urn, "Anche il sabato?", parent=first["commentUrn"], actor="urn:li:person:Z9"
    )
    server.add_comment(urn, "Buca in via Dante", actor="urn:li:person:Q7")

    assert collect(channel) == "collected:3"

    conversations = Conversation.objects.order_by("pk")
    assert [c.kind for c in conversations] == [ConversationKind.COMMENT] * 2
    assert all(c.post == post for c in conversations)
    thread = conversations[0].messages.values_list("text", flat=True)
    assert list(thread) == ["A che ora apre l'ufficio tributi?", "Anche il sabato?"]
    assert ChannelListening.objects.get(channel=channel).status == ListeningState.LISTENING


def test_posts_older_than_the_window_are_not_read(channel, server, settings):
    settings.INBOX_LINKEDIN_DAYS = 30
    _old, old_urn = sent_post(channel, server, days_ago=40)
    server.add_comment(old_urn, "Commento su un post vecchio")
    assert collect(channel) == "collected:0"
    assert not server.requests_to("/comments", method="GET")


def test_every_page_is_read_and_a_second_poll_stores_nothing_twice(channel, server):
    _post, urn = sent_post(channel, server)
    for n in range(230):
        server.add_comment(urn, f"Commento {n}", actor=f"urn:li:person:P{n}")

    assert collect(channel) == "collected:230"
    assert len(server.requests_to("/comments", method="GET")) == 3  # 100 + 100 + 30
    server.add_comment(urn, "Uno nuovo")

    assert collect(channel) == "collected:1"
    assert Message.objects.count() == 231
    # Nothing new since: the total is unchanged, one page is enough.
    before = len(server.requests_to("/comments", method="GET"))
    assert collect(channel) == "collected:0"
    assert len(server.requests_to("/comments", method="GET")) == before + 1


def test_an_edited_comment_is_updated(channel, server):
    _post, urn = sent_post(channel, server)
    comment = server.add_comment(urn, "Orari sbagliati")
    collect(channel)
    server.edit_comment(comment, "Orari sbagliati (corretto: il martedì)")
    collect(channel)
    message = Message.objects.get()
    assert message.text == "Orari sbagliati (corretto: il martedì)"
    assert message.edited_at is not None


def test_the_answer_is_a_nested_comment_as_the_organisation_sent_once(channel, server):
    _post, urn = sent_post(channel, server)
    comment = server.add_comment(urn, "Quando riapre la biblioteca?")
    collect(channel)
    conversation = Conversation.objects.get()
    editor = UserFactory(role=Role.EDITOR)

    sent = services.reply(
        conversation=conversation, text="Lunedì alle 9 (orari: sul sito)", by=editor, key="k1"
    )
    with pytest.raises(services.InboxError):
        services.reply(conversation=conversation, text="di nuovo", by=editor, key="k1")

    [request] = server.requests_to("/comments", method="POST")
    assert request.json["actor"] == f"urn:li:organization:{server.organization_id}"
    assert request.json["parentComment"] == comment["commentUrn"]
    assert request.json["object"] == urn
    assert request.json["message"]["text"] == "Lunedì alle 9 (orari: sul sito)"
    assert sent.network_id.startswith(f"urn:li:comment:({urn},")
    conversation.refresh_from_db()
    assert conversation.status == S.ANSWERED
    # Our own comment comes back in the next read: it is not a citizen's message.
    assert collect(channel) == "collected:0"
    assert conversation.messages.count() == 2


def test_a_rate_limit_waits_and_a_refused_token_interrupts_listening(channel, server):
    sent_post(channel, server)
    server.fail_next(mode="429", retry_after=120, on_path="/comments")
    assert collect(channel) == "waiting"
    listening = ChannelListening.objects.get(channel=channel)
    assert listening.not_before > timezone.now() + timedelta(seconds=100)

    ChannelListening.objects.filter(pk=listening.pk).update(not_before=None)
    ChannelCredential.objects.filter(channel=channel).update(secret="scaduto")
    assert collect(channel) == "interrupted"
    listening.refresh_from_db()
    assert listening.status == ListeningState.INTERRUPTED
    assert listening.reason


def test_the_adapter_answers_comments_only(server):
    request = ReplyRequest(
        text="Grazie", in_reply_to="urn:li:share:1", config=server.config, secret=server.token
    )
    with pytest.raises(PermanentError):
        LinkedInAdapter().reply(request)
    assert server.requests_to("/comments") == []


def test_a_refused_answer_is_shown_and_can_be_sent_again(channel, server):
    _post, urn = sent_post(channel, server)
    server.add_comment(urn, "Domanda")
    collect(channel)
    conversation = Conversation.objects.get()
    editor = UserFactory(role=Role.EDITOR)
    server.fail_next(mode="500", on_path="/comments")
    with pytest.raises(services.InboxError):
        services.reply(conversation=conversation, text="Risposta", by=editor, key="a")
    assert not conversation.messages.filter(direction="out").exists()
    services.reply(conversation=conversation, text="Risposta", by=editor, key="a")
    assert len(server.requests_to("/comments", method="POST")) == 1  # the 500 is not counted
    assert conversation.messages.filter(direction="out").count() == 1


def test_linkedin_is_polled_at_most_every_interval(channel, server, settings):
    settings.INBOX_LINKEDIN_POLL_SECONDS = 900
    _post, urn = sent_post(channel, server)
    server.add_comment(urn, "Prima")
    assert collect(channel) == "collected:1"
    server.add_comment(urn, "Seconda")
    assert collect(channel) == "busy"  # the beat tick a minute later reads nothing
    assert len(server.requests_to("/comments", method="GET")) == 1
    listening = ChannelListening.objects.get(channel=channel)
    assert listening.not_before > timezone.now() + timedelta(seconds=800)
