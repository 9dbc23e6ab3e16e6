"""Connecting Threads with Meta's Threads login (Authlib, like the other networks): the code
for a short-lived token, that for a long-lived one (60 days), the account from ``/me``; the
long-lived token refreshed with ``th_refresh_token`` a week before it lapses; a refused refresh
asks a person to reconnect. Against the local Threads server (tests/channel_servers/threads.py).
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.channels.connections import warn_expiring_connections
from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection, ConnectionStatus
from apps.channels.tasks import refresh_connections
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery
from tests.channel_servers.threads import USER_ID, ThreadsServer
from tests.channels.helpers import login_url
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def threads():
    with ThreadsServer() as server:
        yield server


@pytest.fixture
def channel():
    return ChannelFactory(name="Threads · Comune", kind=ChannelKind.THREADS)


@pytest.fixture(autouse=True)
def providers(settings, threads):
    empty = {"client_id": "", "client_secret": "", "authorize_url": "", "api_url": ""}
    with override_settings(
        OAUTH_PROVIDERS={
            "x": empty,
            "meta": empty,
            "linkedin": {**empty, "token_url": ""},
            "threads": {
                "client_id": threads.client_id,
                "client_secret": threads.client_secret,
                "authorize_url": threads.base_url + "/oauth/authorize",
                "api_url": threads.base_url,
            },
        },
        SITE_URL="http://testserver",
    ):
        yield


def _login(client, channel, decision="allow"):
    started = client.post(reverse("channels:connect", args=[channel.pk]))
    location = login_url(started)
    assert httpx.get(location).status_code == 200
    fields = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    answer = httpx.post(location.split("?")[0], data={**fields, "decision": decision})
    back = urlsplit(answer.headers["location"])
    return client.get(f"{back.path}?{back.query}", follow=True)


def test_threads_is_connected_with_a_long_lived_token(admin_client_, admin_user, channel, threads):
    response = _login(admin_client_, channel)

    assert "collegato come @comunediesempio" in response.content.decode()
    connection = ChannelConnection.objects.get(channel=channel)
    assert connection.provider == "threads" and connection.account_id == USER_ID
    assert connection.access_token in threads.long_lived  # not the short-lived one
    assert connection.refresh_token == connection.access_token  # it refreshes itself
    assert abs(connection.expires_at - (timezone.now() + timedelta(days=60))) < timedelta(minutes=1)
    channel.refresh_from_db()
    assert channel.config == {
        "threads_user_id": USER_ID,
        "base_url": threads.base_url + "/v1.0",
    }
    assert [r.field("grant_type") for r in threads.requests if "access_token" in r.path] == [
        "authorization_code",
        "th_exchange_token",
    ]


def test_a_denied_consent_saves_nothing(admin_client_, channel):
    response = _login(admin_client_, channel, decision="deny")

    assert "Accesso negato su Threads" in response.content.decode()
    assert not ChannelConnection.objects.exists()


def test_the_token_is_refreshed_a_week_before_it_lapses_not_earlier(
    admin_client_, channel, threads
):
    _login(admin_client_, channel)
    connection = ChannelConnection.objects.get(channel=channel)
    threads.age_long_lived_tokens(53 * 86400)
    assert refresh_connections() == {}  # 60 days left: nothing to do

    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(days=6)
    )
    assert refresh_connections() == {"refreshed": 1}

    old = connection.access_token
    connection.refresh_from_db()
    assert connection.access_token != old and connection.access_token in threads.long_lived
    assert connection.refresh_token == connection.access_token
    assert connection.expires_at > timezone.now() + timedelta(days=59)
    assert [r.field("grant_type") for r in threads.requests_to("refresh_access_token", "GET")] == [
        "th_refresh_token"
    ]


def test_a_lapsed_or_revoked_token_asks_a_person_to_reconnect(admin_client_, channel, threads):
    _login(admin_client_, channel)
    connection = ChannelConnection.objects.get(channel=channel)
    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(days=2)
    )
    threads.revoke_app()

    assert refresh_connections() == {"needs_reconnect": 1}

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_RECONNECT
    assert "190" in connection.last_error


def test_a_refresh_refused_for_another_reason_is_retried(admin_client_, channel, threads):
    _login(admin_client_, channel)  # a token not yet a day old: Threads refuses to refresh it
    connection = ChannelConnection.objects.get(channel=channel)
    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(days=2)
    )

    assert refresh_connections() == {"retry": 1}

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED and "100" in connection.last_error


def test_a_post_goes_out_through_the_connection(admin_client_, channel, threads):
    _login(admin_client_, channel)
    post = PostFactory(
        base_text="Il ponte di via Roma riapre lunedì.",
        link="https://www.comune.esempio.it/ponte",
        status=PostStatus.APPROVED,
        planned_at=timezone.now() - timedelta(minutes=1),
        channels=[channel],
    )
    schedule_deliveries(post=post)

    [outcome] = [send_delivery(delivery_id=pk) for pk in claim_due()]

    assert outcome.state == D.SENT
    [item] = threads.items
    assert item["text"] == "Il ponte di via Roma riapre lunedì."
    assert item["link_attachment"] == "https://www.comune.esempio.it/ponte"


def test_administrators_hear_of_a_token_whose_refresh_keeps_failing_not_of_one_that_renews(
    admin_client_, channel, threads, mailoutbox
):
    _login(admin_client_, channel)
    connection = ChannelConnection.objects.get(channel=channel)
    # It lapses with itself.
    assert abs(connection.refresh_expires_at - connection.expires_at) < timedelta(seconds=1)
    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(days=10),
        refresh_expires_at=timezone.now() + timedelta(days=10),
    )
    assert warn_expiring_connections() == 0  # renewed a week ahead: no false alarm at 14 days

    ChannelConnection.objects.filter(pk=connection.pk).update(
        expires_at=timezone.now() + timedelta(days=2),
        refresh_expires_at=timezone.now() + timedelta(days=2),
    )
    assert refresh_connections() == {"retry": 1}  # not a day old on the fake: refused
    assert warn_expiring_connections() == 1
    assert "entro 3 giorni: Threads · Comune" in mailoutbox[-1].subject

    threads.age_long_lived_tokens(2 * 86400)
    assert refresh_connections() == {"refreshed": 1}
    connection.refresh_from_db()
    assert connection.expiry_warned_days is None  # the next token is warned about anew
    assert connection.refresh_expires_at > timezone.now() + timedelta(days=59)
