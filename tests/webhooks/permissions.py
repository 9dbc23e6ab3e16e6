"""The webhook pages: administrators only."""

from tests.permissions import admins


def _webhook(cast):
    from apps.webhooks.models import Webhook

    webhook = Webhook.objects.create(
        name="Sito", url="https://sito.example/hook", secret="whsec_x", events=["event.created"]
    )
    return {"pk": webhook.pk}


def _delivery(cast):
    from django.utils import timezone

    from apps.webhooks.models import Webhook, WebhookDelivery

    webhook = Webhook.objects.create(
        name="Sito", url="https://sito.example/hook", secret="whsec_x", events=["event.created"]
    )
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event_key="audit:1",
        event="event.created",
        status="failed",
        next_attempt_at=timezone.now(),
    )
    return {"pk": webhook.pk, "delivery_pk": delivery.pk}


def _create_data(cast, kwargs):
    # 127.0.0.1 is allowed in tests (PRIVATE_HOSTS_ALLOWED); nothing is sent on creation.
    return {"name": "Sito", "url": "http://127.0.0.1:9/hook", "events": ["event.created"]}


ROWS = [
    admins("webhooks:list"),
    admins("webhooks:create", method="POST", data=_create_data),
    admins("webhooks:detail", make_kwargs=_webhook),
    admins("webhooks:toggle", method="POST", make_kwargs=_webhook),
    admins("webhooks:delete", method="POST", make_kwargs=_webhook),
    admins("webhooks:resend", method="POST", make_kwargs=_delivery),
]
