"""``reply`` and ``moderate`` (apps.inbox) of each adapter against its local server."""

import pytest

from apps.publishing.adapters.base import PermanentError, ReplyRequest
from apps.publishing.adapters.facebook import FacebookAdapter
from apps.publishing.adapters.instagram import InstagramAdapter
from apps.publishing.adapters.mastodon import MastodonAdapter
from apps.publishing.adapters.telegram import TelegramAdapter
from apps.publishing.adapters.x import XAdapter
from tests.channel_servers import start_server


@pytest.fixture(scope="module")
def servers():
    started = {k: start_server(k) for k in ("mastodon", "telegram", "x", "facebook")}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture(autouse=True)
def _reset(servers):
    for server in servers.values():
        server.reset()


def _request(server, **kwargs) -> ReplyRequest:
    return ReplyRequest(config=server.config, secret=server.token, **kwargs)


def test_mastodon_answers_a_direct_message_privately(servers):
    server = servers["mastodon"]
    status = server.add_mention("Info?", visibility="direct")
    result = MastodonAdapter().reply(
        _request(
            server,
            text="Ecco le informazioni.",
            in_reply_to=status["id"],
            private=True,
            mention="@mario.rossi@social.example",
            idempotency_key="key-1",
        )
    )
    sent = server.requests_to("/api/v1/statuses")[0]
    assert sent.field("visibility") == "direct"
    assert sent.field("in_reply_to_id") == status["id"]
    assert result.external_id == server.items[-1]["id"]


def test_telegram_answers_in_the_private_chat_as_a_reply(servers):
    server = servers["telegram"]
    message = server.add_private_message("Serve un appuntamento")
    network_id = f"{message['chat']['id']}:{message['message_id']}"
    result = TelegramAdapter().reply(
        _request(server, text="Chiami lo 0123 456789.", in_reply_to=network_id)
    )
    assert server.items[-1]["reply_to"] == message["message_id"]
    assert result.external_id.startswith(f"{message['chat']['id']}:")


def test_telegram_deletes_a_group_message_and_cannot_hide_one(servers):
    server = servers["telegram"]
    with pytest.raises(PermanentError):
        TelegramAdapter().moderate(
            network_id="-100:5", action="hide", config=server.config, secret=server.token
        )


def test_x_replies_to_the_tweet_and_hides_a_reply(servers):
    server = servers["x"]
    mention = server.add_mention("Semaforo rotto")
    XAdapter().reply(
        _request(server, text="Segnalato alla Polizia locale.", in_reply_to=mention["id"])
    )
    assert server.items[-1]["in_reply_to"] == mention["id"]
    XAdapter().moderate(
        network_id=mention["id"], action="hide", config=server.config, secret=server.token
    )
    assert server.hidden == {mention["id"]}


def test_facebook_answers_under_the_comment_and_privately_through_the_send_api(servers):
    server = servers["facebook"]
    comment = server.add_comment("facebook", on=f"{server.page_id}_1", text="Orari?")
    FacebookAdapter().reply(_request(server, text="Dalle 9 alle 12.", in_reply_to=comment["id"]))
    assert server.items[-1]["reply_to"] == comment["id"]
    result = FacebookAdapter().reply(
        _request(server, text="Le scriviamo qui.", in_reply_to="m_1", private=True, recipient="24")
    )
    assert server.sent_messages[-1]["recipient"] == "24"
    assert result.external_id == server.sent_messages[-1]["id"]


def test_instagram_replies_and_hides_with_its_own_fields(servers):
    server = servers["facebook"]
    comment = server.add_comment("instagram", on="178000001", text="Brutto")
    InstagramAdapter().reply(_request(server, text="Grazie del parere.", in_reply_to=comment["id"]))
    InstagramAdapter().moderate(
        network_id=comment["id"], action="hide", config=server.config, secret=server.token
    )
    assert server.comments[comment["id"]]["hidden"] is True
    InstagramAdapter().moderate(
        network_id=comment["id"], action="delete", config=server.config, secret=server.token
    )
    assert server.comments[comment["id"]]["deleted"] is True
