"""What an outgoing webhook can be told about, and where each delivery of it stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    POST_APPROVED = "post.approved", _("Post approvato")
    POST_PUBLISHED = "post.published", _("Post pubblicato (con i link pubblici)")
    DELIVERY_FAILED = "delivery.failed", _("Invio non riuscito")
    CRISIS_DECLARED = "crisis.declared", _("Crisi dichiarata")
    CRISIS_ENDED = "crisis.ended", _("Crisi terminata")
    BLACKOUT_STARTED = "blackout.started", _("Inizio di un periodo di silenzio")
    EVENT_CREATED = "event.created", _("Evento creato")
    EVENT_CHANGED = "event.changed", _("Evento modificato")
    EVENT_CANCELLED = "event.cancelled", _("Evento annullato")


# The audit log's actions (apps.audit) each event type is read from. A blackout's start is a
# moment, not an action: it is read from the blackouts themselves (services.collect_events).
EVENT_OF_ACTION: dict[str, EventType] = {
    "post.approved": EventType.POST_APPROVED,
    "post.published": EventType.POST_PUBLISHED,
    "delivery.failed": EventType.DELIVERY_FAILED,
    "delivery.gave_up": EventType.DELIVERY_FAILED,
    "crisis.declared": EventType.CRISIS_DECLARED,
    "crisis.ended": EventType.CRISIS_ENDED,
    "events.create": EventType.EVENT_CREATED,
    "events.update": EventType.EVENT_CHANGED,
    "events.postpone": EventType.EVENT_CHANGED,
    "events.confirm": EventType.EVENT_CHANGED,
    "events.cancel": EventType.EVENT_CANCELLED,
}


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Da inviare")
    SENT = "sent", _("Consegnato")
    FAILED = "failed", _("Non consegnato")
