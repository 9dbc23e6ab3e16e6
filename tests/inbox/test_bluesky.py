"""Bluesky in the inbox: replies and mentions collected from ``listNotifications`` (newest
first, paged by cursor, incremental from our cursor, marked seen with ``updateSeen``), and
answers posted through the adapter as replies with ``root`` and ``parent`` strong refs."""

import pytest

from apps.inbox import collecting, services
from apps.inbox.enums import ConversationKind, ConversationStatus
from apps.inbox.models import ChannelListening, Conversation, Message
from apps.publishing.adapters.base import PermanentError, PublishRequest, ReplyRequest
from apps.publishing.adapters.bluesky import BlueskyAdapter
from apps.publishing.models import ChannelCredential
from tests.channel_servers import start_server
from tests.factories import ChannelFactory, UserFactory
from tests.insights.conftest import sent_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def server():
    started = start_server("bluesky")
    yield started
    started.stop()


@pytest.fixture
def channel(server, office):
    server.reset()
    channel = ChannelFactory(name="Bluesky del Comune", kind="bluesky", config=server.config)
    ChannelCredential.objects.create(channel=channel, secret=server.token)
    return channel


def _our_post(server, channel, text="Da lunedì nuovi orari dell'isola ecologica"):
    """A post of ours really published on the server, with its sent delivery: (uri, post)."""
    uri = (
        BlueskyAdapter()
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
    delivery = sent_delivery(channel, external_id=uri)
    return uri, delivery.variant.post


def _collect(channel) -> str:
    return collecting.collect_channel(channel_id=channel.pk)


def test_replies_to_our_posts_and_mentions_are_collected(server, channel):
    ours, post = _our_post(server, channel)
    server.add_notification("A che ora apre il sabato?", reason="reply", parent=ours)
    server.add_notification("@comune.bsky.social la buca in via Roma è ancora lì")
    server.add_notification("Mi piace", reason="like")  # not a message: left out

    assert _collect(channel) == "collected:2"

    comment = Conversation.objects.get(kind=ConversationKind.COMMENT)
    assert comment.post == post
    assert comment.citizen_handle == "@mario.bsky.social"
    mention = Conversation.objects.get(kind=ConversationKind.MENTION)
    assert "buca in via Roma" in mention.messages.get().text
    [request] = server.requests_to("/xrpc/app.bsky.notification.listNotifications", method="GET")
    assert sorted(request.query["reasons"]) == ["mention", "reply"]


def test_collecting_is_incremental_from_the_cursor_and_marks_them_seen(server, channel):
    server.add_notification("Prima domanda?")
    assert _collect(channel) == "collected:1"
    first_cursor = ChannelListening.objects.get(channel=channel).cursor
    assert server.seen_at == first_cursor != ""

    server.add_notification("Seconda domanda?")
    assert _collect(channel) == "collected:1"
    assert _collect(channel) == "collected:0"

    assert Message.objects.count() == 2
    assert ChannelListening.objects.get(channel=channel).cursor > first_cursor
    assert len(server.requests_to("/xrpc/app.bsky.notification.updateSeen")) == 2


def test_more_than_a_page_is_read_through_the_cursor_oldest_first(server, channel):
    for n in range(130):
        server.add_notification(f"Domanda numero {n}?", handle=f"persona{n}.bsky.social")

    assert _collect(channel) == "collected:130"

    pages = server.requests_to("/xrpc/app.bsky.notification.listNotifications", method="GET")
    assert [p.field("cursor") for p in pages] == [None, "100"]
    texts = list(Message.objects.order_by("received_at", "pk").values_list("text", flat=True))
    assert texts[0] == "Domanda numero 0?" and texts[-1] == "Domanda numero 129?"


def test_a_rate_limit_waits_for_blueskys_reset_without_interrupting(server, channel):
    server.fail_next(1, "429", retry_after=300)

    assert _collect(channel) == "waiting"

    listening = ChannelListening.objects.get(channel=channel)
    assert listening.not_before is not None and listening.status != "interrupted"


def test_an_answer_is_a_reply_whose_root_and_parent_are_the_thread(server, channel):
    ours, _post = _our_post(server, channel)
    note = server.add_notification("Anche la domenica?", reason="reply", parent=ours)
    _collect(channel)
    conversation = Conversation.objects.get()
    editor = UserFactory(username="redattrice")

    services.reply(conversation=conversation, text="No, la domenica è chiuso.", by=editor)

    answer = server.items[-1]["record"]
    assert answer["reply"]["parent"] == {"uri": note["uri"], "cid": note["cid"]}
    assert answer["reply"]["root"]["uri"] == ours  # the thread starts at our post
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ANSWERED
    assert Message.objects.get(direction="out").network_id == server.items[-1]["uri"]


def test_an_answer_to_a_mention_starts_its_thread_at_the_mention(server, channel):
    note = server.add_notification("@comune.bsky.social quando passa la raccolta?")
    result = BlueskyAdapter().reply(
        ReplyRequest(
            text="Il martedì.",
            in_reply_to=note["uri"],
            config=server.config,
            secret=server.token,
        )
    )

    [item] = [i for i in server.items if i["uri"] == result.external_id]
    ref = {"uri": note["uri"], "cid": note["cid"]}
    assert item["record"]["reply"] == {"root": ref, "parent": ref}


def test_an_answer_to_a_message_deleted_on_bluesky_is_refused_clearly(server, channel):
    with pytest.raises(PermanentError, match="non c'è più"):
        BlueskyAdapter().reply(
            ReplyRequest(
                text="Grazie",
                in_reply_to="at://did:plc:nessuno/app.bsky.feed.post/3lc0",
                config=server.config,
                secret=server.token,
            )
        )


def test_the_inbox_lists_the_bluesky_channel_with_its_listening_state(server, channel):
    from apps.inbox.selectors import channels_for_inbox

    _collect(channel)

    [row] = [r for r in channels_for_inbox() if r.channel == channel]
    assert row.listening is not None and not row.pushed
