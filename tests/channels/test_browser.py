"""Connecting channels in a real browser against the local providers, with axe-core on every
page of the way: the channel page, the provider's consent, the choice, the Telegram steps,
the home page's warning."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection
from tests.browser import conftest as harness
from tests.channel_servers.graph_oauth import GraphOAuthServer
from tests.channel_servers.mastodon_oauth import MastodonOAuthServer
from tests.channel_servers.telegram import TelegramServer
from tests.factories import ChannelFactory

pytestmark = pytest.mark.browser

browser = harness.browser
allow_orm_beside_playwright = harness.allow_orm_beside_playwright
context = harness.context
page = harness.page
role_groups = harness.role_groups
admin_person = harness.admin_person
force_login = harness.force_login
assert_no_axe_violations = harness.assert_no_axe_violations


@pytest.fixture
def graph():
    with GraphOAuthServer() as server:
        yield server


@pytest.fixture
def site(settings, live_server):
    settings.SITE_URL = live_server.url
    return settings


def test_a_facebook_page_is_connected_by_login_and_pick(
    page, admin_person, force_login, graph, site
):
    empty = {"client_id": "", "client_secret": "", "authorize_url": "", "api_url": ""}
    site.OAUTH_PROVIDERS = {
        "x": empty,
        "linkedin": {**empty, "token_url": ""},
        "meta": {
            "client_id": graph.client_id,
            "client_secret": graph.client_secret,
            "authorize_url": graph.base_url + "/v21.0/dialog/oauth",
            "api_url": graph.base_url + "/v21.0",
        },
    }
    channel = ChannelFactory(
        name="Facebook Comune", kind=ChannelKind.FACEBOOK, config={"base_url": graph.base_url}
    )
    force_login(admin_person)
    page.goto(f"/canali/{channel.pk}/modifica/")
    assert page.get_by_text("Non collegato").is_visible()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Collega", exact=True).click()
    page.get_by_role("button", name="Authorize app").click()

    page.wait_for_url(lambda url: "/canali/collegamento/scegli/" in url)
    assert page.get_by_role("heading", level=1).inner_text() == "Collega «Facebook Comune»"
    assert_no_axe_violations(page)
    page.locator("label", has_text="Biblioteca civica").click()  # the label covers the radio
    assert page.get_by_label("Biblioteca civica").is_checked()
    page.get_by_role("button", name="Collega", exact=True).click()

    page.wait_for_url(lambda url: f"/canali/{channel.pk}/modifica/" in url)
    assert "collegato come Biblioteca civica" in page.locator("#messages").inner_text()
    assert page.get_by_text("non scade: un token di Pagina").is_visible()
    assert_no_axe_violations(page)
    assert ChannelConnection.objects.get(channel=channel).account_id == "104000000000002"


def test_mastodon_is_connected_by_typing_the_instance(page, admin_person, force_login, site):
    with MastodonOAuthServer() as instance:
        channel = ChannelFactory(name="Mastodon Comune", kind=ChannelKind.MASTODON)
        force_login(admin_person)
        page.goto(f"/canali/{channel.pk}/modifica/")
        assert_no_axe_violations(page)
        page.get_by_label("Istanza a cui collegarsi").fill(instance.base_url)
        page.get_by_role("button", name="Collega", exact=True).click()
        page.get_by_role("button", name="Authorize app").click()

        page.wait_for_url(lambda url: f"/canali/{channel.pk}/modifica/" in url)
        host = instance.base_url.split("://")[1]
        assert f"collegato come @comune@{host}" in page.locator("#messages").inner_text()
        assert_no_axe_violations(page)


def test_telegram_is_connected_with_a_pasted_token(page, admin_person, force_login):
    with TelegramServer() as bot_api:
        channel = ChannelFactory(
            name="Telegram Comune", kind=ChannelKind.TELEGRAM, config={"base_url": bot_api.base_url}
        )
        force_login(admin_person)
        page.goto(f"/canali/{channel.pk}/telegram/")
        page.get_by_label("Token del bot").fill("123456789:wrong-token-ABCDEFGHIJKLMNOPQ")
        page.get_by_role("button", name="Verifica il token").click()
        assert "non riconosce questo token" in page.get_by_role("alert").inner_text()
        assert page.get_by_label("Token del bot").get_attribute("aria-invalid") == "true"
        assert_no_axe_violations(page)

        page.get_by_label("Token del bot").fill(bot_api.token)
        page.get_by_role("button", name="Verifica il token").click()
        assert page.get_by_label("Comune di Esempio (@comuneesempio)").is_checked()
        assert_no_axe_violations(page)
        page.get_by_role("button", name="Collega", exact=True).click()

        page.wait_for_url(lambda url: f"/canali/{channel.pk}/modifica/" in url)
        assert "collegato come @ComuneBot" in page.locator("#messages").inner_text()
        assert_no_axe_violations(page)


def test_the_home_page_warns_about_a_token_that_lapses(page, admin_person, force_login):
    channel = ChannelFactory(name="LinkedIn Comune", kind=ChannelKind.LINKEDIN)
    ChannelConnection.objects.create(
        channel=channel,
        provider="linkedin",
        account_name="Comune di Esempio",
        access_token="AQV-secret",
        expires_at=timezone.now() + timedelta(days=2, hours=1),
        connected_at=timezone.now(),
    )
    force_login(admin_person)
    page.goto("/")
    panel = page.locator("#home-expiring")
    assert "LinkedIn Comune" in panel.inner_text() and "scade entro 3 giorni" in panel.inner_text()
    assert_no_axe_violations(page)
