"""Conversations with citizens: what they wrote to or about the Comune, and what we answered.

A :class:`Message` is stored once per network id (a database constraint per channel), so a
poll repeated or a webhook delivered twice changes nothing. ``Conversation.status`` is set
only by :mod:`apps.inbox.transitions`.
"""

from datetime import time

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .enums import (
    CloseReason,
    ConversationKind,
    ConversationStatus,
    Direction,
    ListeningState,
    ModerationAction,
)


class Conversation(models.Model):
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.CASCADE, related_name="conversations"
    )
    kind = models.CharField(_("tipo"), max_length=10, choices=ConversationKind.choices)
    # The network's id of the thread: the first comment of a thread under our post, the
    # mention's status, or the citizen's chat for private messages.
    thread_key = models.CharField(max_length=200)
    post = models.ForeignKey(
        "planning.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("post a cui risponde"),
    )
    # The topic: the category of the post it answers, or one chosen by hand.
    topic = models.ForeignKey(
        "planning.ContentCategory",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("argomento"),
    )
    citizen_id = models.CharField(_("id del cittadino sulla rete"), max_length=200, blank=True)
    citizen_name = models.CharField(_("nome"), max_length=200, blank=True)
    citizen_handle = models.CharField(_("account"), max_length=200, blank=True)
    status = models.CharField(
        _("stato"),
        max_length=10,
        choices=ConversationStatus.choices,
        default=ConversationStatus.NEW,
    )
    close_reason = models.CharField(
        _("motivo della chiusura"), max_length=20, choices=CloseReason.choices, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assegnato a"),
    )
    # Since when the citizen waits for us (None when nobody waits), and when the answer is due.
    waiting_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("risposta entro"), null=True, blank=True)
    last_message_at = models.DateTimeField()
    unread = models.BooleanField(default=True)
    # Overdue emails, each claimed once per waiting period by a conditional UPDATE.
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Content removed by the retention period: only counts and times remain.
    purged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "thread_key", "kind"], name="conversation_unique_thread"
            )
        ]
        indexes = [
            # The inbox: waiting items by due time (overdue first); the overdue emails.
            models.Index(fields=["due_at"], name="conversation_due"),
            models.Index(fields=["last_message_at"], name="conversation_recent"),
            models.Index(fields=["channel", "unread"], name="conversation_unread"),
        ]
        verbose_name = _("conversazione")
        verbose_name_plural = _("conversazioni")

    def __str__(self):
        who = self.citizen_name or self.citizen_handle or self.citizen_id or "?"
        return f"{self.channel} · {who}"

    def get_absolute_url(self):
        return reverse("inbox:conversation", args=[self.pk])


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    network_id = models.CharField(max_length=200)
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.IN)
    author_id = models.CharField(max_length=200, blank=True)
    author_name = models.CharField(_("autore"), max_length=200, blank=True)
    author_handle = models.CharField(max_length=200, blank=True)
    text = models.TextField(_("testo"), blank=True)
    # An email's subject (newsletter replies); our answer goes out as "Re: <subject>".
    subject = models.CharField(_("oggetto"), max_length=300, blank=True)
    url = models.URLField(max_length=500, blank=True)
    received_at = models.DateTimeField(_("ricevuto il"))
    edited_at = models.DateTimeField(_("modificato dal cittadino il"), null=True, blank=True)
    deleted_by_author_at = models.DateTimeField(
        _("eliminato dal cittadino il"), null=True, blank=True
    )
    moderation = models.CharField(
        _("moderazione"), max_length=10, choices=ModerationAction.choices, blank=True
    )
    moderation_reason = models.CharField(_("motivo"), max_length=300, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Our answers: the reply form's key, so that a double submission sends nothing twice.
    reply_key = models.CharField(max_length=64, blank=True)
    # Our answer proposed by an editor, waiting for an approver (InboxSettings).
    awaiting_approval = models.BooleanField(default=False)

    class Meta:
        ordering = ["received_at", "pk"]
        constraints = [
            # Stored once, whichever way it arrives (poll, webhook, twice).
            models.UniqueConstraint(fields=["channel", "network_id"], name="message_unique_id"),
            models.UniqueConstraint(
                fields=["channel", "reply_key"],
                condition=~models.Q(reply_key=""),
                name="message_unique_reply_key",
            ),
        ]
        indexes = [models.Index(fields=["received_at"], name="message_received")]
        verbose_name = _("messaggio")
        verbose_name_plural = _("messaggi")

    def __str__(self):
        return f"{self.channel_id}:{self.network_id}"


class ChannelListening(models.Model):
    """How collecting goes on one channel: the cursor it resumes from, and whether it works."""

    channel = models.OneToOneField(
        "channels.Channel", on_delete=models.CASCADE, related_name="listening"
    )
    status = models.CharField(
        _("ascolto"),
        max_length=12,
        choices=ListeningState.choices,
        default=ListeningState.LISTENING,
    )
    reason = models.CharField(_("motivo"), max_length=300, blank=True)
    cursor = models.CharField(max_length=500, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # A rate limit's hint: no request before this time.
    not_before = models.DateTimeField(null=True, blank=True)
    # Held by the one worker collecting this channel (a conditional UPDATE claims it).
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ascolto del canale")
        verbose_name_plural = _("ascolto dei canali")

    def __str__(self):
        return f"{self.channel} · {self.get_state_display()}"


class ResponseTarget(models.Model):
    """How many working hours the office gives itself to answer, per channel and kind."""

    channel = models.ForeignKey(
        "channels.Channel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Vuoto: vale per ogni canale senza un obiettivo proprio."),
        verbose_name=_("canale"),
    )
    kind = models.CharField(_("tipo"), max_length=10, choices=ConversationKind.choices)
    hours = models.PositiveSmallIntegerField(_("ore lavorative per rispondere"))
    escalate_after_hours = models.PositiveSmallIntegerField(
        _("avvisa il responsabile dopo (ore lavorative di ritardo)"), default=8
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "kind"], name="response_target_unique"),
        ]
        verbose_name = _("obiettivo di risposta")
        verbose_name_plural = _("obiettivi di risposta")

    def __str__(self):
        return f"{self.channel or _('ogni canale')} · {self.get_kind_display()}: {self.hours} h"


class ResponseTime(models.Model):
    """One wait answered: kept after the retention period deletes the content (counts only)."""

    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ConversationKind.choices)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, related_name="response_times"
    )
    waited_from = models.DateTimeField()
    answered_at = models.DateTimeField()
    working_seconds = models.PositiveIntegerField()
    target_seconds = models.PositiveIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["answered_at"], name="response_time_answered")]

    def __str__(self):
        return f"{self.channel_id} · {self.working_seconds} s"

    @property
    def within_target(self) -> bool | None:
        if self.target_seconds is None:
            return None
        return self.working_seconds <= self.target_seconds


class InboxSettings(models.Model):
    """The office's calendar and privacy settings for the inbox (one row)."""

    retention_months = models.PositiveSmallIntegerField(
        _("conservazione dei messaggi (mesi)"), default=24
    )
    day_start = models.TimeField(_("inizio della giornata lavorativa"), default=time(8, 0))
    day_end = models.TimeField(_("fine della giornata lavorativa"), default=time(17, 0))
    # Monday = 0; a comma-separated list.
    working_days = models.CharField(_("giorni lavorativi"), max_length=20, default="0,1,2,3,4")
    patron_month = models.PositiveSmallIntegerField(_("santo patrono: mese"), default=1)
    patron_day = models.PositiveSmallIntegerField(_("santo patrono: giorno"), default=31)
    editor_replies_need_approval = models.BooleanField(
        _("le risposte della redazione vanno approvate"),
        default=False,
        help_text=_(
            "Per tirocinanti e nuovi colleghi: la risposta esce solo dopo il via di chi approva."
        ),
    )
    approval_topics = models.ManyToManyField(
        "planning.ContentCategory",
        blank=True,
        related_name="+",
        verbose_name=_("argomenti con risposte da approvare"),
        help_text=_(
            "Le risposte della redazione alle conversazioni su questi argomenti escono solo "
            "dopo il via di chi approva, anche se l'approvazione non è chiesta per tutte."
        ),
    )
    office_head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsabile dell'ufficio"),
        help_text=_("Riceve le conversazioni in ritardo oltre la seconda soglia."),
    )

    class Meta:
        verbose_name = _("impostazioni delle conversazioni")
        verbose_name_plural = _("impostazioni delle conversazioni")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> "InboxSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    @property
    def weekdays(self) -> frozenset[int]:
        days = set()
        for part in self.working_days.split(","):
            part = part.strip()
            if part.isdigit() and int(part) < 7:
                days.add(int(part))
        return frozenset(days)


class CannedAnswer(models.Model):
    """A ready answer, with placeholders filled when it is picked (``{orari}``, ``{link}``…)."""

    title = models.CharField(_("titolo"), max_length=120)
    topic = models.CharField(_("argomento"), max_length=80, blank=True)
    channel = models.ForeignKey(
        "channels.Channel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("canale"),
        help_text=_("Vuoto: per ogni canale."),
    )
    text = models.TextField(
        _("testo"),
        help_text=_(
            "Segnaposto: {nome} (il cittadino), {orari} (orari dell'ufficio), {link} (un "
            "indirizzo da indicare)."
        ),
    )
    for_crisis = models.BooleanField(_("per le crisi"), default=False)

    class Meta:
        ordering = ["topic", "title"]
        verbose_name = _("risposta pronta")
        verbose_name_plural = _("risposte pronte")

    def __str__(self):
        return self.title


class Handover(models.Model):
    """A conversation handed to another office of the Comune, answered through a link."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="handovers"
    )
    office = models.CharField(_("ufficio"), max_length=120)
    email = models.EmailField(_("indirizzo dell'ufficio"))
    note = models.TextField(_("nota per l'ufficio"), blank=True)
    # Only the SHA-256 of the link's token is stored: the link is in the email only.
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("risposta dell'ufficio"), blank=True)
    answered_by = models.CharField(_("firmata da"), max_length=120, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("passaggio a un ufficio")
        verbose_name_plural = _("passaggi a un ufficio")

    def __str__(self):
        return f"{self.conversation_id} → {self.office}"


class EmailWebhookReceipt(models.Model):
    """A signature of the inbound email webhook already accepted: the same delivery sent
    again (a replay) is refused. Rows older than the timestamp tolerance are deleted."""

    signature = models.CharField(max_length=80, unique=True)
    received_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.received_at:%Y-%m-%d %H:%M:%S}"
