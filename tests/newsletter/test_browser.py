# ruff: noqa: F811 - the browser fixtures are imported by name, then requested as arguments
"""axe-core on the pages of this area (public newsletter, feed item, credentials), in Chromium.

The browser fixtures are those of tests/browser (imported, so they register here too).
"""

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.newsletter.services import confirm_token, unsubscribe_url
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState
from apps.publishing.models import ChannelCredential, Delivery
from tests.browser.conftest import (  # noqa: F401 - fixtures
    admin_person,
    assert_no_axe_violations,
    browser,
    context,
    login,
    page,
    role_groups,
)
from tests.factories import ChannelFactory, PostFactory
from tests.newsletter.factories import SubscriberFactory

pytestmark = pytest.mark.browser


def test_subscribe_page_and_its_errors_are_accessible(page):
    page.goto("/newsletter/")
    assert page.get_by_role("heading", level=1).count() == 1
    assert_no_axe_violations(page)

    page.get_by_label("Indirizzo email").fill("maria@example.org")
    page.get_by_role("button", name="Iscriviti").click()
    field = page.get_by_label("Ho letto l'informativa")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Indirizzo email").input_value() == "maria@example.org"
    assert_no_axe_violations(page)

    page.locator("label[for=id_consent]").click()  # Bootstrap Italia draws the box on the label
    assert field.is_checked()
    page.get_by_role("button", name="Iscriviti").click()
    page.wait_for_url("**/iscrizione-ricevuta/")
    assert_no_axe_violations(page)


def test_confirm_and_unsubscribe_pages_are_accessible(page):
    pending = SubscriberFactory(confirmed_at=None)
    page.goto(f"/newsletter/conferma/{confirm_token(pending)}/")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Confermo l'iscrizione").click()
    assert page.get_by_role("status").inner_text().startswith("Iscrizione confermata")
    assert_no_axe_violations(page)

    page.goto(unsubscribe_url(pending).split("8000", 1)[-1])
    page.get_by_role("button", name="Sì, disiscrivimi").click()
    assert "non riceverà più" in page.get_by_role("status").inner_text()
    assert_no_axe_violations(page)


def test_the_public_news_pages_are_accessible(page):
    channel = ChannelFactory(name="Sito web", kind=ChannelKind.WEBSITE)
    post = PostFactory(title="Prova interna", status=PostStatus.PUBLISHED, channels=[channel])
    delivery = Delivery.objects.create(
        variant=post.variants.get(),
        due_at=post.planned_at,
        state=DeliveryState.SENT,
        sent_at=timezone.now(),
        sent_title="Lavori in via Roma",
    )
    page.goto("/pubblicazione/feed/notizie/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Lavori in via Roma").click()
    page.wait_for_url(f"**/notizie/{delivery.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Lavori in via Roma"
    assert_no_axe_violations(page)


def test_credentials_pages_are_accessible(page, admin_person):
    channel = ChannelFactory(name="Mastodon del Comune", kind=ChannelKind.MASTODON)
    ChannelCredential.objects.create(channel=channel, secret="token-segreto-1234")
    login(page, admin_person)
    page.goto("/pubblicazione/credenziali/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Modifica Mastodon del Comune").click()
    page.get_by_role("button", name="Sostituisci").click()
    assert page.get_by_label("Nuovo token o segreto").get_attribute("aria-invalid") == "true"
    assert_no_axe_violations(page)
