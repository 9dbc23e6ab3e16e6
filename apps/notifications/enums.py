"""What a notification is about, and how a person wants to hear about each kind."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class Kind(models.TextChoices):
    REVIEW_NEEDED = "review_needed", _("Post da approvare")
    CHANGES_REQUESTED = "changes_requested", _("Modifiche richieste ai miei post")
    APPROVED = "approved", _("Miei post approvati")
    DELIVERY_PROBLEM = "delivery_problem", _("Invii non riusciti o da verificare")
    CHANNEL_RECONNECT = "channel_reconnect", _("Canali da ricollegare")
    MENTION = "mention", _("Menzioni nei commenti")
    SLOT_TO_FILL = "slot_to_fill", _("Rubriche da riempire")
    WEBHOOK_DISABLED = "webhook_disabled", _("Webhook disattivati per errori")


class Delivery(models.TextChoices):
    """How a person hears about one kind. Email at once is what the office had before the
    notification centre, so it stays the default."""

    IN_APP = "in_app", _("Solo nell'app")
    EMAIL_NOW = "email_now", _("Email subito")
    DIGEST = "digest", _("Riepilogo giornaliero via email")


DEFAULT_DELIVERY = Delivery.EMAIL_NOW


def _text(kind: str, params: dict) -> str:
    p = dict(params)
    if kind == Kind.REVIEW_NEEDED:
        return _("Da approvare: «%(title)s»") % p
    if kind == Kind.CHANGES_REQUESTED:
        return _("Modifiche richieste: «%(title)s»") % p
    if kind == Kind.APPROVED:
        return _("Approvato: «%(title)s»") % p
    if kind == Kind.DELIVERY_PROBLEM:
        return _("Invio da verificare: «%(title)s» su %(channel)s") % p
    if kind == Kind.CHANNEL_RECONNECT:
        if p.get("days"):
            return (
                ngettext(
                    "Canale da ricollegare entro %(days)s giorno: %(channel)s",
                    "Canale da ricollegare entro %(days)s giorni: %(channel)s",
                    p["days"],
                )
                % p
            )
        return _("Canale da ricollegare: %(channel)s") % p
    if kind == Kind.MENTION:
        return _("%(author)s ti ha menzionato nei commenti di «%(title)s»") % p
    if kind == Kind.SLOT_TO_FILL:
        return (
            ngettext(
                "Rubriche da riempire: %(n)s uscita nei prossimi giorni",
                "Rubriche da riempire: %(n)s uscite nei prossimi giorni",
                p["n"],
            )
            % p
        )
    if kind == Kind.WEBHOOK_DISABLED:
        return _("Webhook «%(name)s» disattivato dopo %(n)s tentativi falliti") % p
    return str(Kind(kind).label)


def notification_text(kind: str, params: dict) -> str:
    """The one line that names a notification, in the active language (the reader's), from the
    parameters stored with it. A parameter missing (a row older than its text) shows the kind."""
    try:
        return _text(kind, params or {})
    except (KeyError, TypeError, ValueError):
        return str(Kind(kind).label) if kind in Kind.values else kind
