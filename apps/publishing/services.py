"""Writes of the publishing engine. The database is the truth; see docs/architecture.md."""

from django.db import transaction

from apps.planning.models import Post

from .enums import DeliveryState
from .models import Delivery


def schedule_deliveries(*, post: Post) -> list[Delivery]:
    """Called when a post is approved: one waiting Delivery per variant, due at the post's time.

    Re-approval (after an edit or a reschedule) resets unsent deliveries to the new time.
    """
    deliveries = []
    with transaction.atomic():
        for variant in post.variants.all():
            delivery, created = Delivery.objects.get_or_create(
                variant=variant, defaults={"due_at": post.planned_at}
            )
            if not created and delivery.state in (DeliveryState.WAITING, DeliveryState.CANCELLED):
                delivery.due_at = post.planned_at
                delivery.state = DeliveryState.WAITING
                delivery.save(update_fields=["due_at", "state"])
            deliveries.append(delivery)
    return deliveries
