"""Real processes: beat wakes the inbox collection every second, two workers race for the
channels, and citizens' messages on the local Mastodon and Telegram servers are stored once."""

import pytest

from apps.channels.models import Channel
from apps.inbox.enums import ListeningState
from apps.inbox.models import ChannelListening, Message
from apps.publishing.models import ChannelCredential
from tests.channel_servers import start_server
from tests.system.harness import wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]
SYSTEM_ENV = {"PA_PLANNER_INBOX_POLL_SECONDS": "1"}


@pytest.fixture(scope="module")
def servers():
    started = {kind: start_server(kind) for kind in ("mastodon", "telegram")}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture
def channels(servers, transactional_db):
    made = {}
    for kind, server in servers.items():
        server.reset()
        channel = Channel.objects.create(name=f"{kind} ascolto", kind=kind, config=server.config)
        ChannelCredential.objects.create(channel=channel, secret=server.token)
        made[kind] = channel
    return made


def test_beat_and_workers_collect_each_message_once(stack, servers, channels):
    mastodon, telegram = servers["mastodon"], servers["telegram"]
    mastodon.add_mention("Quando scade la seconda rata della TARI?")
    status = mastodon.add_mention("Buca in via Garibaldi", in_reply_to_id="110000001")
    telegram.add_private_message("Serve un appuntamento in Anagrafe")
    wait_for(lambda: Message.objects.count() == 3, timeout=30, what="three messages stored")

    mastodon.edit_mention(status["id"], "Buca profonda in via Garibaldi, angolo via Mazzini")
    mastodon.add_mention("Grazie per la risposta!")
    telegram.add_private_message("E il sabato siete aperti?")
    wait_for(lambda: Message.objects.count() == 5, timeout=30, what="five messages stored")
    wait_for(
        lambda: "angolo via Mazzini" in Message.objects.get(network_id=status["id"]).text,
        timeout=30,
        what="the edit applied",
    )
    # Several more ticks: nothing is stored twice, the cursors stay where they are.
    ticks = stack.count_in_worker_logs("Task inbox.collect_channel[")
    wait_for(
        lambda: stack.count_in_worker_logs("Task inbox.collect_channel[") >= ticks + 6,
        timeout=30,
        what="more collection ticks",
    )
    assert Message.objects.count() == 5
    assert set(ChannelListening.objects.values_list("status", flat=True)) == {
        ListeningState.LISTENING
    }
    # Telegram's one consumer: every getUpdates is a short poll, confirmed by its offset.
    assert {r.field("timeout") for r in telegram.requests_to("/getUpdates")} == {0}


def test_a_channel_that_stops_answering_shows_listening_interrupted(stack, servers, channels):
    ChannelCredential.objects.filter(channel=channels["mastodon"]).update(secret="revocato")
    wait_for(
        lambda: ChannelListening.objects.filter(
            channel=channels["mastodon"], status=ListeningState.INTERRUPTED
        ).exists(),
        timeout=30,
        what="listening interrupted",
    )
    assert "token" in ChannelListening.objects.get(channel=channels["mastodon"]).reason.lower()
