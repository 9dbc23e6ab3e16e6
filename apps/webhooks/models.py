import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.encryption import EncryptedTextField

from .enums import DeliveryState, EventType


class Webhook(models.Model):
    """A receiver an administrator registered: an https URL told about the chosen events,
    each delivery signed with the secret (shown once, stored encrypted: it signs)."""

    name = models.CharField(_("nome"), max_length=100)
    url = models.URLField(_("indirizzo"), max_length=500)
    secret = EncryptedTextField(_("segreto"), editable=False)
    events = models.JSONField(_("eventi"), default=list)
    active = models.BooleanField(_("attivo"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    disabled_at = models.DateTimeField(_("disattivato il"), null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Only what the audit log records after this entry is delivered to this webhook.
    since_audit_id = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhook")

    def __str__(self):
        return self.name

    def event_labels(self) -> list[str]:
        return [str(EventType(e).label) for e in self.events if e in EventType.values]


class WebhookDelivery(models.Model):
    """One event for one webhook: built once (``event_key`` is unique per webhook), sent with
    retries and backoff, its last answer recorded."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_key = models.CharField(max_length=100)
    event = models.CharField(_("evento"), max_length=32, choices=EventType.choices)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("stato"),
        max_length=16,
        choices=DeliveryState.choices,
        default=DeliveryState.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("tentativi"), default=0)
    # When a pending delivery may next be claimed (a claim pushes it by a lease, so a worker
    # that dies mid-send leaves it to be claimed again).
    next_attempt_at = models.DateTimeField(db_index=True)
    last_status = models.PositiveSmallIntegerField(_("codice di risposta"), null=True, blank=True)
    last_error = models.CharField(_("errore"), max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event_key"], name="webhook_event_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]

    def __str__(self):
        return f"{self.webhook} {self.event} {self.event_key}"


class WebhookCursor(models.Model):
    """How far the audit log (and the blackouts' starts) have been read: one row."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    last_audit_id = models.BigIntegerField(default=0)
    blackouts_seen_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"audit>{self.last_audit_id}"
