import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.core.encryption import EncryptedTextField

from .enums import CorrectionOutcomeStatus, CorrectionStatus, DeliveryState, FailureKind


class Delivery(models.Model):
    """Sending one variant to its channel.

    The database is the truth; broker messages only wake workers.
    """

    variant = models.OneToOneField(
        "planning.Variant", on_delete=models.CASCADE, related_name="delivery"
    )
    state = models.CharField(
        _("stato"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.WAITING
    )
    due_at = models.DateTimeField(_("previsto per"))
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentativi"), default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    # While ``sending``: the process sending it renews this (publishing/leases.py); the
    # sweeper judges the send dead only once it has run out.
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(_("id esterno"), max_length=200, blank=True)
    external_url = models.URLField(_("indirizzo pubblico"), max_length=500, blank=True)
    # The public title this delivery went out with (news headline, newsletter subject):
    # what citizens saw, kept even if the variant changes later.
    sent_title = models.CharField(_("titolo inviato"), max_length=200, blank=True)
    last_error = models.TextField(_("ultimo errore"), blank=True)
    # It waited for its channel to be reconnected: the channel's (longer) grace applies.
    waited_for_reconnect = models.BooleanField(default=False)
    failure_kind = models.CharField(
        _("tipo di errore"), max_length=16, choices=FailureKind.choices, blank=True
    )
    # Sent as the API's idempotency key where it has one; stable across retries.
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    # Set by the sweeper when a send was interrupted on a channel that can reconcile: the
    # next attempt first looks the item up (find_existing) before publishing again.
    needs_reconcile = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invio")
        verbose_name_plural = _("invii")
        indexes = [
            # claim_due: state='waiting' AND due_at <= now; sweepers: state + timestamps.
            models.Index(fields=["state", "due_at"], name="delivery_state_due"),
        ]

    def __str__(self):
        return f"{self.variant} [{self.state}]"

    @property
    def failure(self) -> FailureKind:
        return FailureKind(self.failure_kind)


class ChannelCredential(models.Model):
    """Secrets of a channel, kept apart from post data; never shown back in full or logged."""

    channel = models.OneToOneField(
        "channels.Channel", on_delete=models.CASCADE, related_name="credential"
    )
    secret = EncryptedTextField(_("token / segreto"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("credenziale")
        verbose_name_plural = _("credenziali")

    def __str__(self):
        return f"{self.channel}: {self.masked}"

    def __repr__(self):
        return f"<ChannelCredential {self.channel_id}: {self.masked}>"

    @property
    def masked(self) -> str:
        if not self.secret:
            return ""
        return "•" * 8 + self.secret[-4:] if len(self.secret) > 8 else "•" * 8


class ShortLink(models.Model):
    """A post's link as sent on one channel through the Comune's own redirect ``/l/<code>``
    (only when the administrator turned link counting on: ``PA_PLANNER_LINK_TRACKING``)."""

    code = models.CharField(max_length=16, unique=True)
    url = models.URLField(_("destinazione"), max_length=1000)
    post = models.ForeignKey(
        "planning.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.ForeignKey(
        "channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("link contato")
        verbose_name_plural = _("link contati")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "channel", "url"], name="one_short_link_per_post_channel_url"
            )
        ]

    def __str__(self):
        return f"/l/{self.code} → {self.url}"


class LinkClickDay(models.Model):
    """How many times a short link was followed on a day. Nothing else: no cookie, no
    address, no browser; a citizen's click cannot be told from another's."""

    link = models.ForeignKey(ShortLink, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("clic del giorno")
        verbose_name_plural = _("clic per giorno")
        constraints = [
            models.UniqueConstraint(fields=["link", "day"], name="link_clicks_once_a_day")
        ]
        indexes = [models.Index(fields=["day"], name="link_click_day")]

    def __str__(self):
        return f"{self.link_id} {self.day}: {self.clicks}"


class LinkCard(models.Model):
    """What a page's Open Graph tags say (title, description, site, image address), as the
    networks read them to draw a post's link card: fetched once per URL by a worker
    (``publishing.linkcards``), kept with ``fetched_at``. ``error`` says why a page gave none."""

    url_hash = models.CharField(max_length=64, unique=True, editable=False)
    url = models.TextField(_("indirizzo"))
    title = models.CharField(_("titolo"), max_length=300, blank=True)
    description = models.CharField(_("descrizione"), max_length=500, blank=True)
    site_name = models.CharField(_("sito"), max_length=200, blank=True)
    # Never shown as an <img>: the page draws a placeholder (no hot-linking under the CSP).
    image_url = models.CharField(_("immagine"), max_length=1000, blank=True)
    error = models.CharField(_("errore"), max_length=300, blank=True)
    fetched_at = models.DateTimeField(_("letto il"))

    class Meta:
        verbose_name = _("anteprima di link")
        verbose_name_plural = _("anteprime di link")

    def __str__(self):
        return self.url[:100]


class Correction(models.Model):
    """A correction of a post already sent (published or partly published), proposed by
    someone who may edit the post and decided by an approver. The post keeps its texts until
    the correction is approved; then they take ``after`` (a new version) and every channel
    already sent that can edit its item is updated (``CorrectionOutcome``, one per delivery).

    ``before`` and ``after``: ``{"title", "base_text", "variants": {"<channel id>":
    {"public_title", "text", "news_summary", "news_topics", "news_type", "news_office"}}}``
    (``publishing.corrections.CORRECTED_VARIANT_FIELDS``)."""

    post = models.ForeignKey("planning.Post", on_delete=models.CASCADE, related_name="corrections")
    status = models.CharField(
        _("stato"),
        max_length=16,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.PENDING,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposta da"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("proposta il"), auto_now_add=True)
    # The post's version the correction was written against: approving it over a newer one
    # is refused (someone would approve what they did not see).
    base_version = models.PositiveIntegerField()
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decisa da"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decisa il"), null=True, blank=True)
    decision_comment = models.TextField(_("commento"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("correzione")
        verbose_name_plural = _("correzioni")
        constraints = [
            # One correction at a time waits for a decision: a second one would be written
            # over texts the first may change.
            models.UniqueConstraint(
                fields=["post"],
                condition=models.Q(status="pending"),
                name="one_pending_correction_per_post",
            )
        ]
        indexes = [
            # The review queue: status='pending', oldest first.
            models.Index(fields=["status", "created_at"], name="correction_status_created"),
        ]

    def __str__(self):
        return f"{self.post} · {self.get_status_display()}"

    def get_absolute_url(self):
        return reverse("review:correction", args=[self.pk])


class CorrectionOutcome(models.Model):
    """What an approved correction did on one delivery already sent. ``status`` moves only
    through ``publishing.corrections`` (conditional UPDATEs); it is not a Delivery state."""

    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="outcomes")
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="correction_outcomes"
    )
    status = models.CharField(
        _("esito"),
        max_length=16,
        choices=CorrectionOutcomeStatus.choices,
        default=CorrectionOutcomeStatus.PENDING,
    )
    error = models.TextField(_("errore"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentativi"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["correction", "delivery__variant__channel__name", "id"]
        verbose_name = _("esito di una correzione")
        verbose_name_plural = _("esiti delle correzioni")
        constraints = [
            models.UniqueConstraint(
                fields=["correction", "delivery"], name="one_outcome_per_correction_delivery"
            )
        ]

    def __str__(self):
        return f"{self.correction_id} · {self.delivery_id}: {self.status}"
