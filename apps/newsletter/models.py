import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def _token() -> str:
    return secrets.token_urlsafe(32)


class Subscriber(models.Model):
    """A newsletter subscriber, confirmed by double opt-in."""

    email = models.EmailField(_("email"), unique=True)
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # The last confirmation email sent (a new request within minutes sends none).
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("iscritto")
        verbose_name_plural = _("iscritti")

    def __str__(self):
        return self.email

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class ConsentRecord(models.Model):
    """Evidence of each consent given or withdrawn (GDPR)."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(max_length=20)  # requested / confirmed / unsubscribed
    at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    text_shown = models.TextField(blank=True)

    class Meta:
        ordering = ["at"]

    def __str__(self):
        return f"{self.subscriber} {self.action} {self.at}"


class IssueSend(models.Model):
    """One newsletter issue (a publishing delivery) sent to one subscriber.

    Written right after each message leaves, so a resend of the same delivery after a crash
    skips whoever already got it (at most the one message in flight can repeat).
    """

    delivery_id = models.BigIntegerField()  # publishing.Delivery.pk (no FK: one-way import)
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="issues")
    sent_at = models.DateTimeField(auto_now_add=True)
    refused = models.BooleanField(default=False)  # the mail server refused this address

    class Meta:
        constraints = [
            # send_issue: "who of this delivery was already served?"
            models.UniqueConstraint(
                fields=["delivery_id", "subscriber"], name="newsletter_issue_once"
            )
        ]

    def __str__(self):
        return f"{self.delivery_id} → {self.subscriber}"


class ConfirmationSent(models.Model):
    """One confirmation email sent to a mailbox, to limit them per mailbox and day.

    ``mailbox`` is a keyed digest of the normalised address (lower case, no +tag, no dots where
    the provider ignores them): victim+1@… and v.ictim@gmail.com count as one mailbox, and the
    table does not reveal the addresses. Rows older than a day are deleted by the daily purge.
    """

    mailbox = models.CharField(max_length=64, db_index=True)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"{self.mailbox[:8]}… {self.sent_at}"
