"""Real processes: Celery beat and a worker deliver outgoing event webhooks to a local receiver
that verifies each signature and timestamp, and see a 500 retried."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.services import cancel_event, create_event
from apps.webhooks import services
from apps.webhooks.enums import DeliveryState, EventType
from apps.webhooks.models import Webhook, WebhookDelivery
from tests.channel_servers.event_receiver import EventReceiverServer
from tests.factories import EventCategoryFactory, UserFactory
from tests.system.harness import wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

SYSTEM_ENV = {
    "PA_PLANNER_WEBHOOK_TICK": "0.5",
    "PA_PLANNER_WEBHOOK_RETRY_BASE": "0.5",
    # The receiver listens on 127.0.0.1, an internal address refused anywhere else.
    "PA_PLANNER_PRIVATE_HOSTS_ALLOWED": "127.0.0.1",
}


@pytest.fixture(scope="module")
def receiver():
    server = EventReceiverServer()
    yield server
    server.stop()


@pytest.fixture
def webhook(receiver, transactional_db):
    receiver.reset()
    admin = UserFactory(username="webhook-admin")
    made, _secret = services.create_webhook(
        by=admin, name="App del Comune", url=receiver.url, events=list(EventType.values)
    )
    Webhook.objects.filter(pk=made.pk).update(secret=receiver.token)
    return made


def states():
    return list(WebhookDelivery.objects.order_by("pk").values_list("status", flat=True))


def new_event(title):
    start = timezone.now() + timedelta(days=5)
    return create_event(
        by=None,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        category=EventCategoryFactory(),
    )


def test_a_worker_delivers_signed_events_and_retries_after_a_500(stack, receiver, webhook):
    receiver.fail_next(1, "500")
    event = new_event("Festa patronale")
    cancel_event(event=event, by=None)

    wait_for(
        lambda: states() == [DeliveryState.SENT, DeliveryState.SENT],
        timeout=30,
        what="both events delivered",
    )

    # The retried one arrives after the other: receivers order by ``occurred_at``.
    assert sorted(receiver.events()) == [EventType.EVENT_CANCELLED, EventType.EVENT_CREATED]
    answered = [r for r in receiver.requests if not r.fault]
    assert all(receiver.signature_ok(r) and receiver.fresh(r) for r in answered)
    # Whichever went first met the 500 and went again after its backoff.
    tries = sorted(WebhookDelivery.objects.values_list("attempts", "last_status"))
    assert tries == [(1, 200), (2, 200)]
    assert [r.fault for r in receiver.requests].count("500") == 1
    assert {item["data"]["event"]["title"] for item in receiver.items} == {"Festa patronale"}
