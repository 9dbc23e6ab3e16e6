from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentAction(models.TextChoices):
    REQUESTED = "requested", _("Iscrizione richiesta")
    CONFIRMED = "confirmed", _("Iscrizione confermata")
    UNSUBSCRIBED = "unsubscribed", _("Disiscrizione")
