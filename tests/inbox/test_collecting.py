"""Collecting from the networks' local servers: incremental, idempotent, rate-limit aware;
a failing channel shows "ascolto interrotto" with the reason."""

import pytest
from django.utils import timezone

from apps.inbox import collecting
from apps.inbox.enums import ConversationKind, ListeningState
from apps.inbox.models import ChannelListening, Conversation, Message
from apps.publishing.models import ChannelCredential, Delivery
from tests.channel_servers import start_server
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def servers():
    started = {kind: start_server(kind) for kind in ("mastodon", "telegram", "x")}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture
def connected(servers, office):
    def make(kind):
        server = servers[kind]
        server.reset()
        channel = ChannelFactory(name=f"{kind} del Comune", kind=kind, config=server.config)
        ChannelCredential.objects.create(channel=channel, secret=server.token)
        return channel, server

    return make


def _collect(channel) -> str:
    return collecting.collect_channel(channel_id=channel.pk)


def test_mastodon_mentions_replies_and_direct_messages_are_collected(connected):
    channel, server = connected("mastodon")
    server.add_mention("Quando scade la TARI?")
    server.add_mention("Buca enorme in via Roma", in_reply_to_id="110000001")
    server.add_mention("Devo rinnovare la carta d'identità", visibility="direct")
    assert _collect(channel) == "collected:3"
    kinds = sorted(Conversation.objects.values_list("kind", flat=True))
    assert kinds == [ConversationKind.COMMENT, ConversationKind.MENTION, ConversationKind.PRIVATE]
    assert (
        "Quando scade la TARI?"
        in Message.objects.get(conversation__kind=ConversationKind.MENTION).text
    )


def test_mastodon_collecting_is_incremental_from_the_cursor(connected):
    channel, server = connected("mastodon")
    server.add_mention("Prima domanda?")
    _collect(channel)
    server.add_mention("Seconda domanda?")
    assert _collect(channel) == "collected:1"
    assert _collect(channel) == "collected:0"
    last = server.requests_to("/api/v1/notifications", method="GET")[-1]
    assert last.field("min_id") == ChannelListening.objects.get().cursor != ""
    assert Message.objects.count() == 2


def test_mastodon_pages_through_more_than_one_page(connected):
    channel, server = connected("mastodon")
    for n in range(45):
        server.add_mention(f"Domanda numero {n}?", acct=f"persona{n}@social.example")
    assert _collect(channel) == "collected:45"
    assert len(server.requests_to("/api/v1/notifications", method="GET")) == 2


def test_an_edit_on_mastodon_updates_the_stored_message(connected):
    channel, server = connected("mastodon")
    status = server.add_mention("Quando apre l'anagrafe")
    _collect(channel)
    server.edit_mention(status["id"], "Quando apre l'anagrafe sabato?")
    _collect(channel)
    message = Message.objects.get()
    assert "sabato?" in message.text and message.edited_at is not None


def test_a_rate_limit_waits_for_the_networks_hint_without_interrupting(connected):
    channel, server = connected("mastodon")
    server.fail_next(1, "429", retry_after=120)
    assert _collect(channel) == "waiting"
    listening = ChannelListening.objects.get()
    assert listening.status == ListeningState.LISTENING
    assert (listening.not_before - timezone.now()).total_seconds() > 100
    assert _collect(channel) == "busy"  # no request before the hint
    assert len(server.requests) == 1


def test_a_refused_token_shows_listening_interrupted_with_the_reason(connected):
    channel, server = connected("mastodon")
    ChannelCredential.objects.filter(channel=channel).update(secret="sbagliato")
    assert _collect(channel) == "interrupted"
    listening = ChannelListening.objects.get()
    assert listening.status == ListeningState.INTERRUPTED
    assert "token" in listening.reason.lower()
    ChannelCredential.objects.filter(channel=channel).update(secret=server.token)
    server.add_mention("Ci siete?")
    assert _collect(channel) == "collected:1"
    assert ChannelListening.objects.get().status == ListeningState.LISTENING


def test_telegram_private_messages_and_group_comments_on_our_post(connected):
    channel, server = connected("telegram")
    post = PostFactory(channels=[channel])
    Delivery.objects.create(
        variant=post.variants.get(), due_at=timezone.now(), state="sent", external_id="77"
    )
    server.add_private_message("Buongiorno, serve un appuntamento all'anagrafe")
    server.add_group_comment("E la raccolta del vetro?", post_message_id=77)
    assert _collect(channel) == "collected:2"
    comment = Conversation.objects.get(kind=ConversationKind.COMMENT)
    assert comment.post == post
    assert Conversation.objects.get(kind=ConversationKind.PRIVATE).citizen_name == "Giulia Bianchi"


def test_telegram_confirms_updates_with_the_offset_and_never_long_polls(connected):
    channel, server = connected("telegram")
    message = server.add_private_message("Prima")
    _collect(channel)
    first_cursor = int(ChannelListening.objects.get().cursor)
    server.edit_message(message, "Prima, corretta")
    assert _collect(channel) == "collected:0"
    calls = server.requests_to("/getUpdates")
    assert [c.field("timeout") for c in calls] == [0, 0]
    assert calls[-1].field("offset") == first_cursor + 1
    assert Message.objects.get().text == "Prima, corretta"


def test_telegram_with_a_webhook_set_is_interrupted_with_the_reason(connected):
    channel, server = connected("telegram")
    server.webhook_set = True
    assert _collect(channel) == "interrupted"
    assert "webhook" in ChannelListening.objects.get().reason


def test_x_mentions_and_replies_are_collected_from_since_id(connected):
    channel, server = connected("x")
    server.add_mention("La ZTL è attiva domenica?")
    server.add_mention("Semaforo rotto in piazza", in_reply_to="1800000000000000001")
    assert _collect(channel) == "collected:2"
    server.add_mention("Grazie della risposta")
    assert _collect(channel) == "collected:1"
    last = server.requests_to("/mentions", method="GET")[-1]
    assert last.field("since_id") is not None
    assert Message.objects.count() == 3


def test_a_second_worker_finds_the_channel_claimed(connected):
    channel, _server = connected("mastodon")
    listening = ChannelListening.objects.create(channel=channel)
    assert collecting._claim(listening, timezone.now()) is True
    assert _collect(channel) == "busy"
