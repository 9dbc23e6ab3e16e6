"""Connecting Bluesky in a real browser against the local PDS, with axe-core on every page of
the way: the channel page, the app-password form and its error, the connected channel."""

import pytest

from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection
from tests.browser import conftest as harness
from tests.channel_servers.bluesky import APP_PASSWORD, BlueskyServer
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


def test_bluesky_is_connected_with_the_handle_and_an_app_password(page, admin_person, force_login):
    with BlueskyServer() as pds:
        channel = ChannelFactory(name="Bluesky Comune", kind=ChannelKind.BLUESKY)
        force_login(admin_person)
        page.goto(f"/canali/{channel.pk}/modifica/")
        assert "Non collegato" in page.locator("#connection-title + p").inner_text()
        assert_no_axe_violations(page)
        page.get_by_role("link", name="Collega con una password per le app").click()

        page.get_by_label("Nome dell'account").fill("comune.bsky.social")
        page.get_by_label("Password per le app").fill("la-password-dell-account")
        page.get_by_label("Server dell'account").fill(pds.base_url)
        page.get_by_role("button", name="Collega", exact=True).click()
        summary = page.locator("[data-error-summary]")
        assert "non riconosce il nome o la password per le app" in summary.inner_text()
        assert page.get_by_label("Nome dell'account").input_value() == "comune.bsky.social"
        assert page.get_by_label("Password per le app").input_value() == ""  # never sent back
        assert_no_axe_violations(page)

        page.get_by_label("Password per le app").fill(APP_PASSWORD)
        page.get_by_role("button", name="Collega", exact=True).click()

        page.wait_for_url(lambda url: f"/canali/{channel.pk}/modifica/" in url)
        assert "collegato come @comune.bsky.social" in page.locator("#messages").inner_text()
        section = page.locator("section[aria-labelledby=connection-title]")
        assert "si rinnova da solo" in section.inner_text()
        assert_no_axe_violations(page)
    assert ChannelConnection.objects.get(channel=channel).provider == "bluesky"
