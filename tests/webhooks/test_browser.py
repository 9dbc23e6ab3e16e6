# ruff: noqa: F811 - the browser fixtures are imported by name, then requested as arguments
"""The webhook pages in Chromium: axe-core clean, the secret shown once."""

import pytest
from django.utils import timezone

from apps.webhooks.models import Webhook, WebhookDelivery
from tests.browser.conftest import (  # noqa: F401 - fixtures
    admin_person,
    assert_no_axe_violations,
    browser,
    context,
    force_login,
    page,
    role_groups,
)

pytestmark = pytest.mark.browser


def test_an_administrator_registers_a_webhook_and_opens_its_page(page, admin_person, force_login):
    force_login(admin_person)
    page.goto("/webhook/")
    assert_no_axe_violations(page)

    page.get_by_label("Nome").fill("App del Comune")
    page.get_by_label("Indirizzo del ricevitore").fill("http://127.0.0.1:9/hooks")
    page.locator("label[for=id_events_0]").click()
    page.get_by_role("button", name="Crea il webhook").click()

    assert page.get_by_label("Il segreto").input_value().startswith("whsec_")
    assert_no_axe_violations(page)
    webhook = Webhook.objects.get()
    WebhookDelivery.objects.create(
        webhook=webhook,
        event_key="audit:1",
        event="event.created",
        status="pending",
        attempts=2,
        last_status=500,
        last_error="HTTP 500",
        next_attempt_at=timezone.now(),
    )
    page.get_by_role("link", name="App del Comune").click()
    page.get_by_role("heading", name="Webhook «App del Comune»").wait_for()
    assert page.get_by_role("cell", name="500", exact=True).count() == 1
    assert page.get_by_role("button", name="Invia di nuovo l'evento «Evento creato»").count() == 1
    assert_no_axe_violations(page)
