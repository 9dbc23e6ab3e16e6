"""Connecting Mastodon: the administrator types the instance, PA Planner registers itself
there once (POST /api/v1/apps), then OAuth with PKCE and verify_credentials, all over real
HTTP against the local instance (tests/channel_servers/mastodon_oauth.py)."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.db import connection as db
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection, MastodonApp
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery
from tests.channel_servers.base import ChannelServer, Reply
from tests.channel_servers.mastodon_oauth import MastodonOAuthServer
from tests.channels.helpers import login_url
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance():
    with MastodonOAuthServer() as server:
        yield server


@pytest.fixture
def channel():
    with override_settings(SITE_URL="http://testserver"):
        yield ChannelFactory(name="Mastodon · @comune", kind=ChannelKind.MASTODON)


def _consent(location: str, decision: str = "allow") -> str:
    page = httpx.get(location)
    assert page.status_code == 200 and "Authorization required" in page.text
    fields = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    answer = httpx.post(location.split("?")[0], data={**fields, "decision": decision})
    assert answer.status_code == 302
    return answer.headers["location"]


def _connect(client, channel, instance_url, decision="allow"):
    started = client.post(
        reverse("channels:connect", args=[channel.pk]), {"instance": instance_url}
    )
    back = urlsplit(_consent(login_url(started), decision))
    return client.get(f"{back.path}?{back.query}", follow=True)


def test_an_admin_connects_mastodon_by_typing_the_instance(admin_client_, channel, instance):
    started = admin_client_.post(
        reverse("channels:connect", args=[channel.pk]), {"instance": instance.base_url}
    )

    [registration] = instance.requests_to("/api/v1/apps")
    assert registration.form["redirect_uris"] == ["http://testserver/canali/collegamento/ritorno/"]
    assert registration.form["scopes"] == ["read:accounts read:statuses write:statuses write:media"]
    query = parse_qs(urlsplit(login_url(started)).query)
    assert login_url(started).startswith(instance.base_url + "/oauth/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["state"][0]
    back = urlsplit(_consent(login_url(started)))

    response = admin_client_.get(f"{back.path}?{back.query}", follow=True)

    connection = ChannelConnection.objects.get(channel=channel)
    host = instance.base_url.split("://")[1]
    assert (connection.provider, connection.account_name) == ("mastodon", f"@comune@{host}")
    assert connection.expires_at is None and connection.refresh_token == ""
    channel.refresh_from_db()
    assert channel.config["base_url"] == instance.base_url
    assert f"collegato come @comune@{host}" in response.content.decode()
    app = MastodonApp.objects.get()
    assert (app.base_url, app.client_id) == (instance.base_url, registration_id(instance))
    with db.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM channels_mastodonapp")
        assert instance.apps[0]["client_secret"] not in cursor.fetchone()[0]


def registration_id(instance) -> str:
    return instance.apps[0]["client_id"]


def test_the_app_registers_once_per_instance_and_is_reused(admin_client_, channel, instance):
    _connect(admin_client_, channel, instance.base_url)
    other = ChannelFactory(name="Mastodon · @biblioteca", kind=ChannelKind.MASTODON)

    _connect(admin_client_, other, instance.base_url + "/")

    assert len(instance.requests_to("/api/v1/apps")) == 1
    assert MastodonApp.objects.count() == 1
    assert ChannelConnection.objects.filter(provider="mastodon").count() == 2


def test_a_connected_mastodon_channel_publishes_with_its_token(admin_client_, channel, instance):
    _connect(admin_client_, channel, instance.base_url)
    post = PostFactory(channels=[channel], status=PostStatus.APPROVED, planned_at=timezone.now())
    schedule_deliveries(post=post)

    [send_delivery(delivery_id=pk) for pk in claim_due()]

    assert Delivery.objects.get(variant__post=post).state == D.SENT
    assert instance.published_texts() == [post.base_text]
    [status] = instance.requests_to("/api/v1/statuses")
    assert status.header("authorization").startswith("Bearer mastodon-at-")


class NotMastodon(ChannelServer):
    """A web server that is not Mastodon: an HTML 404 page for everything."""

    def handle(self, request):
        return Reply(404, "<html><h1>Not Found</h1></html>", {"Content-Type": "text/html"})


def test_an_address_that_is_not_mastodon_gets_a_clear_message(admin_client_, channel):
    with NotMastodon() as server:
        response = admin_client_.post(
            reverse("channels:connect", args=[channel.pk]),
            {"instance": server.base_url},
            follow=True,
        )

    assert response.status_code == 200
    assert "non risponde come un server Mastodon" in response.content.decode()
    assert not MastodonApp.objects.exists() and not ChannelConnection.objects.exists()


@pytest.mark.parametrize(
    "typed, message",
    [
        ("ftp://mastodon.example", "Sono ammessi solo indirizzi http:// o https://"),
        ("javascript:alert(1)", "Sono ammessi solo indirizzi http:// o https://"),
        ("http://localhost:3000", "rete interna"),
        ("http://10.0.0.8", "rete interna (10.0.0.8)"),
        ("http://169.254.169.254", "rete interna (169.254.169.254)"),
        ("http://[::1]:8080", "rete interna (::1)"),
        ("http://192.168.1.20", "rete interna (192.168.1.20)"),
        ("https://user:pw@mastodon.example", "nome utente o password"),
        ("", "Scrivi l&#x27;indirizzo dell&#x27;istanza"),
    ],
)
def test_internal_or_non_web_addresses_are_refused(admin_client_, channel, typed, message):
    with override_settings(PRIVATE_HOSTS_ALLOWED=[]):
        response = admin_client_.post(
            reverse("channels:connect", args=[channel.pk]), {"instance": typed}, follow=True
        )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MastodonApp.objects.exists() and not ChannelConnection.objects.exists()


def test_loopback_is_refused_outside_tests_even_for_a_real_instance(
    admin_client_, channel, instance
):
    with override_settings(PRIVATE_HOSTS_ALLOWED=[]):
        response = admin_client_.post(
            reverse("channels:connect", args=[channel.pk]),
            {"instance": instance.base_url},
            follow=True,
        )

    assert "rete interna (127.0.0.1)" in response.content.decode()
    assert instance.requests == []


def test_a_denied_consent_on_the_instance_saves_no_connection(admin_client_, channel, instance):
    response = _connect(admin_client_, channel, instance.base_url, decision="deny")

    assert "Accesso negato su Mastodon" in response.content.decode()
    assert not ChannelConnection.objects.exists()
    channel.refresh_from_db()
    assert "base_url" not in channel.config


def test_a_revoked_mastodon_token_fails_the_code_exchange_cleanly(admin_client_, channel, instance):
    started = admin_client_.post(
        reverse("channels:connect", args=[channel.pk]), {"instance": instance.base_url}
    )
    back = urlsplit(_consent(login_url(started)))
    instance.clients.clear()  # the instance's admin deleted the app meanwhile

    response = admin_client_.get(f"{back.path}?{back.query}", follow=True)

    assert "invalid_client" in response.content.decode()
    assert not ChannelConnection.objects.exists()
