"""Connecting Bluesky: the handle and an app password open a session (createSession); only the
session's tokens are kept, encrypted; the access token is refreshed before it lapses with a
refresh token that rotates; a refused refresh asks a person to reconnect. Against the local PDS
(tests/channel_servers/bluesky.py)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection as db
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection, ConnectionStatus
from apps.channels.tasks import refresh_connections
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery
from tests.channel_servers.bluesky import APP_PASSWORD, DID, BlueskyServer
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pds():
    with BlueskyServer() as server:
        yield server


@pytest.fixture
def channel():
    return ChannelFactory(name="Bluesky · Comune", kind=ChannelKind.BLUESKY)


def _connect(client, channel, pds, **fields):
    data = {"handle": "@Comune.bsky.social", "app_password": APP_PASSWORD, "service": pds.base_url}
    return client.post(
        reverse("channels:bluesky", args=[channel.pk]), {**data, **fields}, follow=True
    )


def test_the_app_password_opens_a_session_whose_tokens_are_kept_encrypted(
    admin_client_, admin_user, channel, pds
):
    response = _connect(admin_client_, channel, pds)

    body = response.content.decode()
    assert "collegato come @comune.bsky.social" in body
    connection = ChannelConnection.objects.get(channel=channel)
    assert connection.provider == "bluesky" and connection.account_id == DID
    assert connection.access_token in pds.access and connection.refresh_token in pds.refresh
    # The access JWT's own expiry (two hours), read from its claims.
    assert abs(connection.expires_at - (timezone.now() + timedelta(hours=2))) < timedelta(
        seconds=30
    )
    channel.refresh_from_db()
    assert channel.config == {"base_url": pds.base_url, "did": DID, "service": pds.base_url}
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM channels_channelconnection")
        stored = " ".join(cursor.fetchone())
    assert connection.access_token not in stored and APP_PASSWORD not in stored
    entry = AuditEntry.objects.get(action="channel.connected")
    assert APP_PASSWORD not in str(entry.after) and connection.access_token not in str(entry.after)
    assert entry.actor == admin_user


def test_a_wrong_app_password_says_so_and_saves_nothing(admin_client_, channel, pds):
    response = _connect(admin_client_, channel, pds, app_password="password-dell-account")

    body = response.content.decode()
    assert response.status_code == 200
    assert "non riconosce il nome o la password per le app" in body
    assert 'value="@Comune.bsky.social"' in body  # what was typed stays
    assert "password-dell-account" not in body
    assert not ChannelConnection.objects.exists()


@pytest.mark.parametrize(
    ("handle", "message"),
    [("comune", "non è un nome Bluesky"), ("<script>.x", "non è un nome Bluesky")],
)
def test_a_handle_that_is_not_a_domain_is_refused_before_any_request(
    admin_client_, channel, pds, handle, message
):
    response = _connect(admin_client_, channel, pds, handle=handle)

    assert message in response.content.decode()
    assert pds.requests == [] and not ChannelConnection.objects.exists()


def test_an_internal_server_address_is_refused_outside_tests(admin_client_, channel, pds):
    with override_settings(PRIVATE_HOSTS_ALLOWED=[]):
        response = _connect(admin_client_, channel, pds)

    assert "rete interna (127.0.0.1)" in response.content.decode()
    assert pds.requests == []


def test_a_did_document_naming_an_internal_server_is_refused(admin_client_, channel, pds):
    pds.pds_url = "http://10.0.0.8"

    response = _connect(admin_client_, channel, pds)

    assert "rete interna (10.0.0.8)" in response.content.decode()
    assert not ChannelConnection.objects.exists()


def _connected(admin_client_, channel, pds) -> ChannelConnection:
    _connect(admin_client_, channel, pds)
    return ChannelConnection.objects.get(channel=channel)


def test_the_session_is_refreshed_before_it_lapses_and_the_refresh_token_rotates(
    admin_client_, channel, pds
):
    connection = _connected(admin_client_, channel, pds)
    first_refresh = connection.refresh_token
    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(minutes=10)
    )

    assert refresh_connections() == {"refreshed": 1}

    connection.refresh_from_db()
    assert first_refresh not in pds.refresh  # spent
    assert connection.refresh_token in pds.refresh and connection.access_token in pds.access
    assert connection.expires_at > timezone.now() + timedelta(hours=1)
    assert AuditEntry.objects.filter(action="channel.token_refreshed").count() == 1


def test_a_revoked_session_asks_a_person_to_reconnect_once(
    admin_client_, admin_user, channel, pds, django_capture_on_commit_callbacks
):
    connection = _connected(admin_client_, channel, pds)
    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(minutes=10)
    )
    pds.revoke_refresh_tokens()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_connections() == {"needs_reconnect": 1}
        assert refresh_connections() == {}

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_RECONNECT
    assert "ExpiredToken" in connection.last_error
    assert len(mail.outbox) == 1 and "Bluesky · Comune" in mail.outbox[0].subject


def test_a_server_that_does_not_answer_the_refresh_is_retried(admin_client_, channel, pds):
    connection = _connected(admin_client_, channel, pds)
    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(minutes=10)
    )
    pds.fail_next(1, "500")

    assert refresh_connections() == {"retry": 1}

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.refresh_token in pds.refresh  # not spent: the next run uses it


def test_a_post_goes_out_through_the_connected_session(admin_client_, channel, pds):
    _connected(admin_client_, channel, pds)
    post = PostFactory(
        base_text="Il ponte di via Roma riapre lunedì. #ViaRoma",
        status=PostStatus.APPROVED,
        planned_at=timezone.now() - timedelta(minutes=1),
        channels=[channel],
    )
    schedule_deliveries(post=post)

    [outcome] = [send_delivery(delivery_id=pk) for pk in claim_due()]

    assert outcome.state == D.SENT
    assert pds.published_texts() == ["Il ponte di via Roma riapre lunedì. #ViaRoma"]
    assert Delivery.objects.get().external_id == pds.items[0]["uri"]


def test_the_channel_page_offers_the_bluesky_connection(admin_client_, channel):
    body = admin_client_.get(reverse("channels:edit", args=[channel.pk])).content.decode()

    assert "Collegamento con Bluesky" in body
    assert reverse("channels:bluesky", args=[channel.pk]) in body
