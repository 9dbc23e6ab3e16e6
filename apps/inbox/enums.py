from django.db import models
from django.utils.translation import gettext_lazy as _


class ConversationKind(models.TextChoices):
    COMMENT = "comment", _("Commento")
    MENTION = "mention", _("Menzione")
    PRIVATE = "private", _("Messaggio privato")


class ConversationStatus(models.TextChoices):
    NEW = "new", _("Nuovo")
    ASSIGNED = "assigned", _("Assegnato")
    ANSWERED = "answered", _("Risposto")
    CLOSED = "closed", _("Chiuso senza risposta")
    REOPENED = "reopened", _("Riaperto")


# Waiting for the office: these count for response times and overdue lists.
OPEN_STATUSES = frozenset(
    {ConversationStatus.NEW, ConversationStatus.ASSIGNED, ConversationStatus.REOPENED}
)


class CloseReason(models.TextChoices):
    INSULT = "insult", _("Insulto")
    SPAM = "spam", _("Spam")
    OFF_TOPIC = "off_topic", _("Fuori tema")
    DUPLICATE = "duplicate", _("Duplicato")
    ANSWERED_ELSEWHERE = "answered_elsewhere", _("Già risposto altrove")


class Direction(models.TextChoices):
    IN = "in", _("Dal cittadino")
    OUT = "out", _("Dal Comune")


class ListeningState(models.TextChoices):
    LISTENING = "listening", _("In ascolto")
    INTERRUPTED = "interrupted", _("Ascolto interrotto")


class ModerationAction(models.TextChoices):
    HIDE = "hide", _("Nascondi")
    DELETE = "delete", _("Elimina")
