"""Demo: a handful of confirmed subscribers (example.org addresses), with their consent trail."""

from django.utils import timezone

from .enums import ConsentAction
from .forms import CONSENT_TEXT
from .models import ConsentRecord, Subscriber

DEMO_SUBSCRIBERS = [
    "giulia.bianchi@example.org",
    "marco.esposito@example.org",
    "proloco@example.org",
    "biblioteca.civica@example.org",
]


def load(ctx: dict) -> None:
    now = timezone.now()
    for email in DEMO_SUBSCRIBERS:
        subscriber, created = Subscriber.objects.get_or_create(
            email=email, defaults={"confirmed_at": now}
        )
        if created:
            ConsentRecord.objects.bulk_create(
                [
                    ConsentRecord(
                        subscriber=subscriber,
                        action=ConsentAction.REQUESTED,
                        ip_address="192.0.2.10",
                        text_shown=str(CONSENT_TEXT),
                    ),
                    ConsentRecord(
                        subscriber=subscriber,
                        action=ConsentAction.CONFIRMED,
                        ip_address="192.0.2.10",
                    ),
                ]
            )
