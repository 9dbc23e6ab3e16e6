"""Connecting Telegram: a bot token pasted once and verified with getMe, the channel picked
among those where the bot is an administrator (getUpdates, getChat, getChatAdministrators)
or typed as @nomecanale, and getChatMember saying the bot may post, all against the local
Bot API (tests/channel_servers/telegram.py)."""

import pytest
from django.db import connection as db
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery
from tests.channel_servers.telegram import CHANNEL, TelegramServer
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bot_api():
    with TelegramServer() as server:
        yield server


@pytest.fixture
def channel(bot_api):
    return ChannelFactory(
        name="Telegram · Comune", kind=ChannelKind.TELEGRAM, config={"base_url": bot_api.base_url}
    )


def _url(channel):
    return reverse("channels:telegram", args=[channel.pk])


def test_a_pasted_token_is_verified_and_the_admin_channels_are_listed(
    admin_client_, channel, bot_api
):
    bot_api.add_chat(
        {"id": -1009, "title": "Gruppo interno", "type": "supergroup"}, bot_status="member"
    )

    response = admin_client_.post(_url(channel), {"token": bot_api.token}, follow=True)

    body = response.content.decode()
    assert "Token verificato: è il bot @ComuneBot" in body
    assert "Comune di Esempio (@comuneesempio)" in body and "Gruppo interno" not in body
    assert bot_api.token not in body
    assert not ChannelConnection.objects.exists()  # nothing saved before the chat is chosen
    assert [r.path.rsplit("/", 1)[-1] for r in bot_api.requests] == [
        "getMe",
        "getUpdates",
        "getChat",
        "getChatAdministrators",
        "getChat",
        "getChatAdministrators",
    ]


def test_choosing_the_channel_saves_token_and_chat_together(
    admin_client_, admin_user, channel, bot_api
):
    admin_client_.post(_url(channel), {"token": bot_api.token})

    response = admin_client_.post(_url(channel), {"chat": str(CHANNEL["id"])}, follow=True)

    connection = ChannelConnection.objects.get(channel=channel)
    assert (connection.provider, connection.access_token) == ("telegram", bot_api.token)
    assert connection.account_name == "@ComuneBot → Comune di Esempio (@comuneesempio)"
    assert connection.expires_at is None and connection.connected_by == admin_user
    channel.refresh_from_db()
    assert channel.config["chat_id"] == "@comuneesempio"
    assert "collegato come @ComuneBot" in response.content.decode()
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM channels_channelconnection")
        assert bot_api.token not in cursor.fetchone()[0]
    entry = AuditEntry.objects.get(action="channel.connected")
    assert bot_api.token not in str(entry.after) + entry.summary
    assert bot_api.token not in str(dict(admin_client_.session))


def test_a_channel_named_by_hand_is_checked_with_get_chat_member(admin_client_, channel, bot_api):
    bot_api.webhook_set = True  # getUpdates refuses: the list is empty, the name still works
    admin_client_.post(_url(channel), {"token": bot_api.token})

    admin_client_.post(_url(channel), {"chat_name": "comuneesempio"})

    assert ChannelConnection.objects.get(channel=channel).account_id == str(CHANNEL["id"])
    [check] = bot_api.requests_to("/getChatMember")
    assert check.form["user_id"] == ["123456789"] and check.form["chat_id"] == ["@comuneesempio"]


def test_a_connected_telegram_channel_publishes_with_the_stored_token(
    admin_client_, channel, bot_api
):
    admin_client_.post(_url(channel), {"token": bot_api.token})
    admin_client_.post(_url(channel), {"chat": str(CHANNEL["id"])})
    post = PostFactory(channels=[channel], status=PostStatus.APPROVED, planned_at=timezone.now())
    schedule_deliveries(post=post)

    [send_delivery(delivery_id=pk) for pk in claim_due()]

    assert Delivery.objects.get(variant__post=post).state == D.SENT
    assert bot_api.published_texts() == [post.base_text]


# --- Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token, message",
    [
        ("", "non ha la forma di un token di bot"),
        ("<script>alert(1)</script>", "non ha la forma di un token di bot"),
        ("123456789:wrong-token-ABCDEFGHIJKLMNOPQ", "Telegram non riconosce questo token"),
    ],
)
def test_a_wrong_token_gets_a_clear_message_and_saves_nothing(
    admin_client_, channel, bot_api, token, message
):
    response = admin_client_.post(_url(channel), {"token": token})

    body = response.content.decode()
    assert response.status_code == 200 and message in body
    assert "<script>alert" not in body
    assert not ChannelConnection.objects.exists()


def test_a_bot_that_is_not_admin_of_the_channel_is_refused(admin_client_, channel, bot_api):
    bot_api.add_chat(
        {"id": -1007, "title": "Notizie", "username": "notiziecomune", "type": "channel"},
        bot_status="member",
    )
    admin_client_.post(_url(channel), {"token": bot_api.token})

    response = admin_client_.post(_url(channel), {"chat_name": "@notiziecomune"})

    body = response.content.decode()
    assert "@ComuneBot non può pubblicare in Notizie (@notiziecomune)" in body
    assert 'value="@notiziecomune"' in body  # what was typed stays
    assert not ChannelConnection.objects.exists()


def test_an_admin_bot_without_the_right_to_post_is_refused(admin_client_, channel, bot_api):
    bot_api.add_chat(
        {"id": -1008, "title": "Avvisi", "username": "avvisicomune", "type": "channel"},
        bot_status="administrator",
        can_post=False,
    )
    admin_client_.post(_url(channel), {"token": bot_api.token})

    response = admin_client_.post(_url(channel), {"chat_name": "@avvisicomune"})

    assert "permesso di pubblicare messaggi" in response.content.decode()
    assert not ChannelConnection.objects.exists()


def test_an_unknown_channel_name_is_refused(admin_client_, channel, bot_api):
    admin_client_.post(_url(channel), {"token": bot_api.token})

    response = admin_client_.post(_url(channel), {"chat_name": "@nonesiste"})

    assert "Telegram non trova @nonesiste" in response.content.decode()
    assert not ChannelConnection.objects.exists()


def test_choosing_a_chat_without_a_verified_token_starts_again(admin_client_, channel, bot_api):
    response = admin_client_.post(_url(channel), {"chat_name": "@comuneesempio"})

    assert "incolla di nuovo il token" in response.content.decode()
    assert not ChannelConnection.objects.exists() and bot_api.requests == []


def test_the_channel_page_of_a_telegram_channel_offers_to_connect(admin_client_, channel):
    body = admin_client_.get(reverse("channels:edit", args=[channel.pk])).content.decode()

    assert "Non collegato: serve il token di un bot" in body and _url(channel) in body


def test_updates_in_an_unexpected_shape_are_skipped_not_a_500(admin_client_, channel, bot_api):
    bot_api.updates[:0] = [{"update_id": 1}, {"update_id": 2, "message": "strano"}, "x"]

    response = admin_client_.post(_url(channel), {"token": bot_api.token}, follow=True)

    assert response.status_code == 200
    assert "Comune di Esempio (@comuneesempio)" in response.content.decode()
