from django.db import models
from django.utils.translation import gettext_lazy as _


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Bozza")
    IN_REVIEW = "in_review", _("In revisione")
    CHANGES_REQUESTED = "changes_requested", _("Modifiche richieste")
    APPROVED = "approved", _("Approvato")
    PAUSED = "paused", _("Sospeso")
    PUBLISHED = "published", _("Pubblicato")
    PARTLY_FAILED = "partly_failed", _("Parzialmente fallito")
    FAILED = "failed", _("Fallito")
    CANCELLED = "cancelled", _("Annullato")


# States in which the post's content can no longer change.
FINAL_STATES = frozenset({PostStatus.PUBLISHED, PostStatus.CANCELLED})
# States a person may still edit (editing an approved post sends it back to review).
EDITABLE_STATES = frozenset(
    {PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED, PostStatus.APPROVED, PostStatus.PAUSED}
)


class NewsType(models.TextChoices):
    """The *tipo di notizia* of the Designers Italia "sito comunale" model."""

    PRESS_RELEASE = "comunicato_stampa", _("Comunicato stampa")
    NOTICE = "avviso", _("Avviso")
    NEWS = "notizia", _("Notizia")
