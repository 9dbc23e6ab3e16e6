from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.planning.enums import PostStatus


class DeliveryState(models.TextChoices):
    WAITING = "waiting", _("In attesa")
    QUEUED = "queued", _("In coda")
    SENDING = "sending", _("In invio")
    SENT = "sent", _("Inviato")
    FAILED = "failed", _("Fallito")
    NEEDS_CHECK = "needs_check", _("Da verificare")
    CANCELLED = "cancelled", _("Annullato")


class FailureKind(models.TextChoices):
    """Why a delivery failed, which decides what a person can do about it."""

    NONE = "", _("—")
    REJECTED = "rejected", _("Contenuto rifiutato dal canale")
    CONFIGURATION = "configuration", _("Configurazione del canale da correggere")
    EXHAUSTED = "exhausted", _("Tentativi esauriti")
    HELD = "held", _("Trattenuto oltre l'orario")

    @property
    def can_retry(self) -> bool:
        """A rejected content fails again whatever the retry: it must be changed first."""
        return self != FailureKind.REJECTED

    @property
    def what_to_do(self) -> str:
        return {
            FailureKind.REJECTED: _(
                "Il canale ha rifiutato questo contenuto: ripeterlo non serve. Correggilo in "
                "una copia del post (Duplica) oppure chiudi l'invio."
            ),
            FailureKind.CONFIGURATION: _(
                "Manca o è sbagliata la configurazione del canale (credenziali, impostazioni): "
                "fatela correggere a un amministratore, poi riprova."
            ),
            FailureKind.EXHAUSTED: _(
                "Il canale non ha risposto dopo vari tentativi: riprova quando è di nuovo "
                "raggiungibile."
            ),
            FailureKind.HELD: _(
                "Non è partito all'orario previsto: riprova solo se ha ancora senso ora, "
                "altrimenti chiudi l'invio."
            ),
        }.get(self, "")


D = DeliveryState
# Post states whose deliveries may start sending (PARTLY_FAILED: retries of the rest).
DISPATCHABLE_POST_STATES = (PostStatus.APPROVED, PostStatus.PARTLY_FAILED)
TERMINAL_STATES = frozenset({D.SENT, D.FAILED, D.CANCELLED})
IN_FLIGHT_STATES = frozenset({D.QUEUED, D.SENDING})
# What (re-)approval may move to the post's new time: nothing has left for the channel yet.
RESCHEDULABLE_STATES = frozenset({D.WAITING, D.QUEUED, D.CANCELLED})


class CorrectionStatus(models.TextChoices):
    """A proposed correction of a post already sent: it waits for an approver's decision."""

    PENDING = "pending", _("In attesa di approvazione")
    APPROVED = "approved", _("Approvata")
    REJECTED = "rejected", _("Respinta")


class CorrectionOutcomeStatus(models.TextChoices):
    """What an approved correction did on one channel already sent (``CorrectionOutcome``)."""

    PENDING = "pending", _("Da aggiornare")
    SENDING = "sending", _("In aggiornamento")
    APPLIED = "applied", _("Aggiornato")
    FAILED = "failed", _("Aggiornamento non riuscito")
    HELD = "held", _("Trattenuto")
    # The network cannot edit a published item (``channels.kinds.can_update_published``).
    UNCHANGED = "unchanged", _("Resta come pubblicato")
    # The correction changes nothing this channel shows: no request (an edit is public).
    NOT_NEEDED = "not_needed", _("Nulla da aggiornare")


# A person may send these again ("Riprova l'aggiornamento").
CORRECTION_RESENDABLE = frozenset({CorrectionOutcomeStatus.FAILED, CorrectionOutcomeStatus.HELD})
