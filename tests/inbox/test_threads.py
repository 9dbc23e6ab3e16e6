"""Threads in the inbox: replies under our recent posts collected from ``/{post}/conversation``
(only posts with replies are read; incremental from the cursor; our own answers skipped),
answered through the adapter as a TEXT container with ``reply_to_id``, and hidden with
``manage_reply``."""

import time

import pytest

from apps.inbox import collecting, services
from apps.inbox.enums import ConversationKind, ConversationStatus
from apps.inbox.models import ChannelListening, Conversation, Message
from apps.publishing.adapters.base import PermanentError, PublishRequest
from apps.publishing.adapters.threads import ThreadsAdapter
from apps.publishing.models import ChannelCredential
from tests.channel_servers import start_server
from tests.factories import ChannelFactory, UserFactory
from tests.insights.conftest import sent_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def server():
    started = start_server("threads")
    yield started
    started.stop()


@pytest.fixture
def channel(server, office):
    server.reset()
    channel = ChannelFactory(name="Threads del Comune", kind="threads", config=server.config)
    ChannelCredential.objects.create(channel=channel, secret=server.token)
    return channel


def _our_post(server, channel, text="Da lunedì nuovi orari dell'isola ecologica"):
    """A post of ours really published on the server, with its sent delivery: (id, post)."""
    post_id = (
        ThreadsAdapter()
        .publish(
            PublishRequest(
                delivery_id=1,
                idempotency_key="k",
                text=text,
                config=server.config,
                secret=server.token,
            )
        )
        .external_id
    )
    return post_id, sent_delivery(channel, external_id=post_id).variant.post


def _collect(channel) -> str:
    return collecting.collect_channel(channel_id=channel.pk)


def test_replies_under_our_posts_are_collected_as_comments_on_them(server, channel):
    ours, post = _our_post(server, channel)
    quiet, _post = _our_post(server, channel, text="Avviso senza risposte")
    server.add_reply("Anche il sabato?", to=ours)

    assert _collect(channel) == "collected:1"

    conversation = Conversation.objects.get()
    assert (conversation.kind, conversation.post) == (ConversationKind.COMMENT, post)
    assert conversation.citizen_handle == "@mario.rossi"
    read = [r.path for r in server.requests if r.path.endswith("/conversation")]
    assert read == [f"/v1.0/{ours}/conversation"]  # the post without replies is not read
    assert quiet not in " ".join(read)


def test_collecting_is_incremental_and_a_reply_to_a_reply_joins_its_conversation(server, channel):
    ours, _post = _our_post(server, channel)
    first = server.add_reply("Prima domanda?", to=ours, at=time.time() - 3600)
    assert _collect(channel) == "collected:1"
    cursor = ChannelListening.objects.get(channel=channel).cursor

    server.add_reply("E poi?", to=first["id"], username="mario.rossi")
    assert _collect(channel) == "collected:1"
    assert _collect(channel) == "collected:0"

    assert ChannelListening.objects.get(channel=channel).cursor > cursor
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 2


def test_an_answer_is_a_threads_reply_and_is_not_collected_back(server, channel):
    ours, _post = _our_post(server, channel)
    question = server.add_reply("A che ora apre?", to=ours)
    _collect(channel)
    conversation = Conversation.objects.get()

    services.reply(conversation=conversation, text="Alle 8.", by=UserFactory(username="r"))

    answer = server.items[-1]
    assert answer["replied_to"] == {"id": question["id"]}
    assert answer["root_post"] == {"id": ours}
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ANSWERED
    assert _collect(channel) == "collected:0"  # our own answer is not a citizen's message
    assert Message.objects.filter(direction="in").count() == 1


def test_a_reply_is_hidden_on_threads_and_cannot_be_deleted(server, channel):
    ours, _post = _our_post(server, channel)
    reply = server.add_reply("Spam spam spam", to=ours)
    adapter = ThreadsAdapter()

    adapter.moderate(
        network_id=reply["id"], action="hide", config=server.config, secret=server.token
    )

    assert reply["hide_status"] == "HIDDEN"
    with pytest.raises(PermanentError):
        adapter.moderate(
            network_id=reply["id"], action="delete", config=server.config, secret=server.token
        )


def test_a_throttled_account_waits_without_interrupting(server, channel):
    _our_post(server, channel)
    server.fail_next(1, "429", retry_after=120)

    assert _collect(channel) == "waiting"

    listening = ChannelListening.objects.get(channel=channel)
    assert listening.not_before is not None and listening.status != "interrupted"
