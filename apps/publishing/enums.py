from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryState(models.TextChoices):
    WAITING = "waiting", _("In attesa")
    QUEUED = "queued", _("In coda")
    SENDING = "sending", _("In invio")
    SENT = "sent", _("Inviato")
    FAILED = "failed", _("Fallito")
    NEEDS_CHECK = "needs_check", _("Da verificare")
    CANCELLED = "cancelled", _("Annullato")
