"""Connecting X with its own login, and keeping the connection alive unattended.

Everything runs over real HTTP against the local X server (tests/channel_servers/x_oauth.py):
the consent page, the code exchange with PKCE, rotating refresh tokens, revocation.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core import mail
from django.db import connection as db
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.channels import connections
from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection, ConnectionStatus
from apps.channels.tasks import refresh_connections
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery
from tests.channel_servers.x_oauth import XOAuthServer
from tests.channels.helpers import login_url
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def x_server():
    with XOAuthServer() as server:
        yield server


@pytest.fixture
def oauth_settings(x_server):
    providers = {
        "x": {
            "client_id": XOAuthServer.client_id,
            "client_secret": XOAuthServer.client_secret,
            "authorize_url": x_server.base_url + "/i/oauth2/authorize",
            "api_url": x_server.base_url,
        }
    }
    with override_settings(OAUTH_PROVIDERS=providers, SITE_URL="http://testserver"):
        yield


@pytest.fixture
def x_channel(x_server):
    return ChannelFactory(name="X · @ComuneEsempio", kind=ChannelKind.X, config=x_server.config)


def _consent(location: str, decision: str = "allow") -> str:
    """What the person does on X's page: read it, press a button. Returns where X sends them."""
    page = httpx.get(location)
    assert page.status_code == 200 and "Authorize app" in page.text
    fields = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    answer = httpx.post(location.split("?")[0], data={**fields, "decision": decision})
    assert answer.status_code == 302
    return answer.headers["location"]


def _connect(client, channel, decision="allow"):
    started = client.post(reverse("channels:connect", args=[channel.pk]))
    back = urlsplit(_consent(login_url(started), decision))
    return client.get(f"{back.path}?{back.query}", follow=True)


def test_an_admin_connects_x_with_its_login_and_pkce(
    admin_client_, admin_user, x_channel, x_server, oauth_settings
):
    started = admin_client_.post(reverse("channels:connect", args=[x_channel.pk]))
    query = parse_qs(urlsplit(login_url(started)).query)
    assert query["code_challenge_method"] == ["S256"] and query["state"][0]
    assert query["redirect_uri"] == ["http://testserver/canali/collegamento/ritorno/"]
    back = urlsplit(_consent(login_url(started)))

    response = admin_client_.get(f"{back.path}?{back.query}", follow=True)

    connection = ChannelConnection.objects.get(channel=x_channel)
    assert (connection.status, connection.account_name) == ("connected", "@ComuneEsempio")
    assert connection.connected_by == admin_user and connection.refresh_token
    assert connection.expires_at > timezone.now() + timedelta(hours=1)
    assert "collegato come @ComuneEsempio" in response.content.decode()
    entry = AuditEntry.objects.get(action="channel.connected")
    assert connection.access_token not in str(entry.after) + entry.summary
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM channels_channelconnection")
        assert connection.access_token not in cursor.fetchone()[0]


def test_a_connected_channel_publishes_with_its_own_token(
    admin_client_, x_channel, x_server, oauth_settings
):
    _connect(admin_client_, x_channel)
    post = PostFactory(channels=[x_channel], status=PostStatus.APPROVED, planned_at=timezone.now())
    schedule_deliveries(post=post)

    [send_delivery(delivery_id=pk) for pk in claim_due()]

    assert Delivery.objects.get(variant__post=post).state == D.SENT
    assert x_server.published_texts() == [post.base_text]


def test_an_expiring_token_is_refreshed_and_the_rotated_refresh_token_kept(
    admin_client_, x_channel, x_server, oauth_settings
):
    _connect(admin_client_, x_channel)
    connection = ChannelConnection.objects.get(channel=x_channel)
    first_refresh = connection.refresh_token
    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(minutes=5)
    )
    x_server.expire_access_tokens()

    assert refresh_connections() == {"refreshed": 1}

    connection.refresh_from_db()
    assert connection.refresh_token != first_refresh
    assert x_server.refresh_tokens[first_refresh] is False
    assert connection.expires_at > timezone.now() + timedelta(hours=1)
    post = PostFactory(channels=[x_channel], status=PostStatus.APPROVED, planned_at=timezone.now())
    schedule_deliveries(post=post)
    [send_delivery(delivery_id=pk) for pk in claim_due()]
    assert Delivery.objects.get(variant__post=post).state == D.SENT


def test_a_second_worker_never_spends_the_same_refresh_token(
    admin_client_, x_channel, x_server, oauth_settings
):
    _connect(admin_client_, x_channel)
    connection = ChannelConnection.objects.get(channel=x_channel)
    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(minutes=5)
    )
    assert connections._claim(connection.pk, timezone.now())  # another worker is refreshing
    calls_before = x_server.token_requests

    assert connections.refresh_connection(connection_id=connection.pk) == "skipped"

    connection.refresh_from_db()
    assert x_server.token_requests == calls_before and connection.status == "connected"


def test_a_revoked_app_marks_the_channel_to_reconnect_and_tells_the_admins_once(
    admin_client_, admin_user, x_channel, x_server, oauth_settings
):
    _connect(admin_client_, x_channel)
    ChannelConnection.objects.filter(channel=x_channel).update(
        expires_at=timezone.now() + timedelta(minutes=5)
    )
    x_server.revoke_app()
    mail.outbox.clear()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.db.transaction.on_commit", lambda func, **kw: func())
        assert refresh_connections() == {"needs_reconnect": 1}
        assert refresh_connections() == {}

    connection = ChannelConnection.objects.get(channel=x_channel)
    assert connection.status == ConnectionStatus.NEEDS_RECONNECT
    assert [m.to for m in mail.outbox] == [[admin_user.email]]
    body = admin_client_.get(reverse("channels:edit", args=[x_channel.pk])).content.decode()
    assert "Da ricollegare" in body and "Ricollega" in body


def test_a_delivery_waits_for_a_reconnect_and_then_goes_out_once(
    admin_client_, x_channel, x_server, oauth_settings
):
    _connect(admin_client_, x_channel)
    ChannelConnection.objects.filter(channel=x_channel).update(
        status=ConnectionStatus.NEEDS_RECONNECT
    )
    post = PostFactory(channels=[x_channel], status=PostStatus.APPROVED, planned_at=timezone.now())
    schedule_deliveries(post=post)

    assert claim_due() == []
    delivery = Delivery.objects.get(variant__post=post)
    assert delivery.state == D.WAITING and "ricollegare" in delivery.last_error

    _connect(admin_client_, x_channel)
    [send_delivery(delivery_id=pk) for pk in claim_due(now=timezone.now() + timedelta(hours=1))]
    [send_delivery(delivery_id=pk) for pk in claim_due(now=timezone.now() + timedelta(hours=1))]

    assert Delivery.objects.get(variant__post=post).state == D.SENT
    assert x_server.published_texts() == [post.base_text]


def test_past_its_grace_a_delivery_to_a_disconnected_channel_pauses_for_a_person(
    admin_client_, x_channel, x_server, oauth_settings
):
    _connect(admin_client_, x_channel)
    ChannelConnection.objects.filter(channel=x_channel).update(
        status=ConnectionStatus.NEEDS_RECONNECT
    )
    post = PostFactory(channels=[x_channel], status=PostStatus.APPROVED, planned_at=timezone.now())
    schedule_deliveries(post=post)

    claim_due(now=timezone.now() + timedelta(hours=3))

    post.refresh_from_db()
    assert post.status == PostStatus.PAUSED and x_server.published_texts() == []


# --- Bad input --------------------------------------------------------------------------


def test_a_denied_consent_says_so_and_saves_nothing(
    admin_client_, x_channel, x_server, oauth_settings
):
    response = _connect(admin_client_, x_channel, decision="deny")

    assert "Accesso negato" in response.content.decode()
    assert not ChannelConnection.objects.exists()


def test_a_callback_with_a_forged_state_is_refused(
    admin_client_, x_channel, x_server, oauth_settings
):
    started = admin_client_.post(reverse("channels:connect", args=[x_channel.pk]))
    back = urlsplit(_consent(login_url(started)))
    forged = back.query.replace("state=", "state=forged")

    response = admin_client_.get(f"{back.path}?{forged}", follow=True)

    assert "non corrisponde" in response.content.decode()
    assert not ChannelConnection.objects.exists()


def test_a_replayed_authorization_code_is_refused(
    admin_client_, x_channel, x_server, oauth_settings
):
    started = admin_client_.post(reverse("channels:connect", args=[x_channel.pk]))
    back = urlsplit(_consent(login_url(started)))
    admin_client_.get(f"{back.path}?{back.query}")
    ChannelConnection.objects.all().delete()
    session = admin_client_.session
    session["channel_connection_pending"] = {
        "state": parse_qs(back.query)["state"][0],
        "verifier": "x" * 64,
        "channel": x_channel.pk,
        "started": timezone.now().timestamp(),
    }
    session.save()

    response = admin_client_.get(f"{back.path}?{back.query}", follow=True)

    assert "invalid_grant" in response.content.decode()
    assert not ChannelConnection.objects.exists()


def test_without_the_apps_client_id_the_page_says_what_is_needed(admin_client_, x_channel):
    with override_settings(
        OAUTH_PROVIDERS={
            "x": {"client_id": "", "client_secret": "", "authorize_url": "", "api_url": ""}
        }
    ):
        body = admin_client_.get(reverse("channels:edit", args=[x_channel.pk])).content.decode()
        response = admin_client_.post(reverse("channels:connect", args=[x_channel.pk]))

    assert "PA_PLANNER_X_CLIENT_ID" in body and "Non collegato" in body
    assert response.status_code == 302 and not ChannelConnection.objects.exists()


def test_the_home_page_and_the_channel_list_show_a_channel_to_reconnect(
    admin_client_, x_channel, x_server, oauth_settings
):
    _connect(admin_client_, x_channel)
    listed = admin_client_.get(reverse("channels:list")).content.decode()
    assert "collegato come @ComuneEsempio" in listed
    ChannelConnection.objects.filter(channel=x_channel).update(
        status=ConnectionStatus.NEEDS_RECONNECT
    )

    home = admin_client_.get(reverse("home")).content.decode()
    listed = admin_client_.get(reverse("channels:list")).content.decode()

    assert "Canali da ricollegare" in home and x_channel.name in home
    assert "da ricollegare" in listed
