"""Connecting a Facebook Page, an Instagram professional account and a LinkedIn organization
page with the network's own login, then picking which one, against the local Graph and
LinkedIn servers (tests/channel_servers/graph_oauth.py, linkedin_oauth.py)."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection
from apps.channels.tasks import refresh_connections
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery
from tests.channel_servers.graph_oauth import GraphOAuthServer
from tests.channel_servers.linkedin_oauth import LinkedInOAuthServer
from tests.channels.helpers import login_url
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def graph():
    with GraphOAuthServer() as server:
        yield server


@pytest.fixture
def linkedin():
    with LinkedInOAuthServer() as server:
        yield server


def _providers(graph=None, linkedin=None):
    empty = {"client_id": "", "client_secret": "", "authorize_url": "", "api_url": ""}
    providers = {"x": empty, "meta": empty, "linkedin": {**empty, "token_url": ""}}
    if graph:
        providers["meta"] = {
            "client_id": graph.client_id,
            "client_secret": graph.client_secret,
            "authorize_url": graph.base_url + "/v21.0/dialog/oauth",
            "api_url": graph.base_url + "/v21.0",
        }
    if linkedin:
        providers["linkedin"] = {
            "client_id": linkedin.client_id,
            "client_secret": linkedin.client_secret,
            "authorize_url": linkedin.base_url + "/oauth/v2/authorization",
            "token_url": linkedin.base_url + "/oauth/v2/accessToken",
            "api_url": linkedin.base_url,
        }
    return override_settings(OAUTH_PROVIDERS=providers, SITE_URL="http://testserver")


def _login(client, channel, decision="allow"):
    """Press "Collega", consent on the provider's page, come back: the answer, followed."""
    started = client.post(reverse("channels:connect", args=[channel.pk]))
    location = login_url(started)
    assert httpx.get(location).status_code == 200
    fields = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
    answer = httpx.post(location.split("?")[0], data={**fields, "decision": decision})
    back = urlsplit(answer.headers["location"])
    return client.get(f"{back.path}?{back.query}", follow=True)


# --- Meta --------------------------------------------------------------------------------


def test_a_facebook_page_is_picked_after_login_and_its_page_token_stored(admin_client_, graph):
    channel = ChannelFactory(
        name="Facebook · Comune", kind=ChannelKind.FACEBOOK, config={"base_url": graph.base_url}
    )
    with _providers(graph=graph):
        page = _login(admin_client_, channel)
        body = page.content.decode()
        assert page.redirect_chain[-1][0] == reverse("channels:connect_choose")
        assert "Comune di Esempio" in body and "Biblioteca civica" in body
        assert "non scade" in body
        assert not ChannelConnection.objects.exists()

        response = admin_client_.post(
            reverse("channels:connect_choose"), {"choice": graph.page_id}, follow=True
        )

    connection = ChannelConnection.objects.get(channel=channel)
    assert (connection.provider, connection.account_name) == ("meta", "Comune di Esempio")
    assert connection.access_token.startswith("EAAG-page-") and connection.expires_at is None
    assert graph.access_tokens[connection.access_token] == float("inf")
    channel.refresh_from_db()
    assert channel.config["page_id"] == graph.page_id
    assert [r.field("grant_type") for r in graph.requests if r.path.endswith("access_token")] == [
        "authorization_code",
        "fb_exchange_token",
    ]
    assert "non scade" in response.content.decode()
    post = PostFactory(channels=[channel], status=PostStatus.APPROVED, planned_at=timezone.now())
    schedule_deliveries(post=post)
    [send_delivery(delivery_id=pk) for pk in claim_due()]
    assert Delivery.objects.get(variant__post=post).state == D.SENT


def test_an_instagram_channel_offers_only_pages_with_a_linked_professional_account(
    admin_client_, graph
):
    channel = ChannelFactory(
        name="Instagram · Comune", kind=ChannelKind.INSTAGRAM, config={"base_url": graph.base_url}
    )
    with _providers(graph=graph):
        body = _login(admin_client_, channel).content.decode()
        assert "@comunediesempio (Pagina Comune di Esempio)" in body
        assert "Biblioteca civica" not in body
        admin_client_.post(reverse("channels:connect_choose"), {"choice": graph.ig_user_id})

    connection = ChannelConnection.objects.get(channel=channel)
    assert connection.account_name == "@comunediesempio"
    channel.refresh_from_db()
    assert (channel.config["ig_user_id"], channel.config["page_id"]) == (
        graph.ig_user_id,
        graph.page_id,
    )


def test_a_page_id_the_person_does_not_manage_is_refused(admin_client_, graph):
    channel = ChannelFactory(name="Facebook · Comune", kind=ChannelKind.FACEBOOK)
    with _providers(graph=graph):
        _login(admin_client_, channel)
        response = admin_client_.post(
            reverse("channels:connect_choose"), {"choice": "999"}, follow=True
        )

    assert "Scegli una delle pagine elencate" in response.content.decode()
    assert not ChannelConnection.objects.exists()


def test_a_denied_facebook_login_saves_nothing(admin_client_, graph):
    channel = ChannelFactory(name="Facebook · Comune", kind=ChannelKind.FACEBOOK)
    with _providers(graph=graph):
        response = _login(admin_client_, channel, decision="deny")

    assert "Accesso negato su Facebook" in response.content.decode()
    assert not ChannelConnection.objects.exists()


def test_the_choice_page_without_a_login_sends_back_to_the_channels(admin_client_):
    response = admin_client_.get(reverse("channels:connect_choose"), follow=True)

    assert "Il collegamento è scaduto" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("channels:list")


def test_without_the_meta_app_the_page_names_the_variables(admin_client_):
    channel = ChannelFactory(name="Facebook · Comune", kind=ChannelKind.FACEBOOK)
    with _providers():
        body = admin_client_.get(reverse("channels:edit", args=[channel.pk])).content.decode()

    assert "PA_PLANNER_META_CLIENT_ID" in body and "Non collegato" in body


# --- LinkedIn ----------------------------------------------------------------------------


def test_a_linkedin_organization_is_picked_and_its_tokens_stored_with_expiry(
    admin_client_, linkedin
):
    channel = ChannelFactory(
        name="LinkedIn · Comune", kind=ChannelKind.LINKEDIN, config={"base_url": linkedin.base_url}
    )
    with _providers(linkedin=linkedin):
        body = _login(admin_client_, channel).content.decode()
        assert "Comune di Esempio" in body and "Pro Loco" in body
        assert "11111111" not in body  # a content administrator only: not offered
        admin_client_.post(reverse("channels:connect_choose"), {"choice": linkedin.organization_id})

    connection = ChannelConnection.objects.get(channel=channel)
    assert (connection.provider, connection.account_name) == ("linkedin", "Comune di Esempio")
    assert connection.refresh_token == ""  # not a partner app: no refresh token
    assert abs(connection.expires_at - (timezone.now() + timedelta(days=60))) < timedelta(minutes=1)
    channel.refresh_from_db()
    assert channel.config["organization_id"] == linkedin.organization_id
    # Asked to list the choices, then again to check the choice posted.
    acls = linkedin.requests_to("/rest/organizationAcls", method="GET")
    assert [(r.query["q"], r.query["role"]) for r in acls] == [
        (["roleAssignee"], ["ADMINISTRATOR"])
    ] * 2
    body = admin_client_.get(reverse("channels:edit", args=[channel.pk])).content.decode()
    assert "non si può rinnovare" in body
    post = PostFactory(channels=[channel], status=PostStatus.APPROVED, planned_at=timezone.now())
    schedule_deliveries(post=post)
    [send_delivery(delivery_id=pk) for pk in claim_due()]
    assert Delivery.objects.get(variant__post=post).state == D.SENT


def test_a_linkedin_partner_app_keeps_a_refresh_token_and_refreshes(admin_client_):
    with LinkedInOAuthServer(issue_refresh=True) as linkedin:
        channel = ChannelFactory(
            name="LinkedIn · Comune",
            kind=ChannelKind.LINKEDIN,
            config={"base_url": linkedin.base_url},
        )
        with _providers(linkedin=linkedin):
            _login(admin_client_, channel)
            admin_client_.post(
                reverse("channels:connect_choose"), {"choice": linkedin.organization_id}
            )
            connected = ChannelConnection.objects.get(channel=channel)
            # LinkedIn's refresh token lives a year (refresh_token_expires_in): stored.
            year = timezone.now() + timedelta(days=365)
            assert abs(connected.refresh_expires_at - year) < timedelta(minutes=1)
            ChannelConnection.objects.filter(channel=channel).update(
                expires_at=timezone.now() + timedelta(minutes=5)
            )

            assert refresh_connections() == {"refreshed": 1}

    connection = ChannelConnection.objects.get(channel=channel)
    assert connection.refresh_token and connection.expires_at > timezone.now() + timedelta(days=59)
    assert abs(connection.refresh_expires_at - year) < timedelta(minutes=1)


def test_a_person_who_administers_no_organization_is_told_so(admin_client_, linkedin):
    linkedin.acls = []
    channel = ChannelFactory(name="LinkedIn · Comune", kind=ChannelKind.LINKEDIN)
    with _providers(linkedin=linkedin):
        body = _login(admin_client_, channel).content.decode()

    assert "non amministra nessuna pagina di organizzazione" in body
    assert not ChannelConnection.objects.exists()


def test_a_revoked_linkedin_app_marks_the_channel_to_reconnect(admin_client_):
    with LinkedInOAuthServer(issue_refresh=True) as linkedin:
        channel = ChannelFactory(
            name="LinkedIn · Comune",
            kind=ChannelKind.LINKEDIN,
            config={"base_url": linkedin.base_url},
        )
        with _providers(linkedin=linkedin):
            _login(admin_client_, channel)
            admin_client_.post(
                reverse("channels:connect_choose"), {"choice": linkedin.organization_id}
            )
            ChannelConnection.objects.filter(channel=channel).update(
                expires_at=timezone.now() + timedelta(minutes=5)
            )
            linkedin.revoke_app()  # "Token has been expired or revoked": invalid_grant

            assert refresh_connections() == {"needs_reconnect": 1}

    assert ChannelConnection.objects.get(channel=channel).status == "needs_reconnect"
