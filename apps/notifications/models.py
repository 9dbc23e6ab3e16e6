from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .enums import Kind, notification_text


def is_site_path(url: str) -> bool:
    """A path on this site ("/calendario/3/"): not another host ("//x", "/\\x", which browsers
    read as "//x"), not a scheme."""
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


class Notification(models.Model):
    """One thing one person should know about. The text is not stored: the kind and its
    parameters are, so the line renders in the language of whoever reads it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("tipo"), max_length=32, choices=Kind.choices)
    params = models.JSONField(default=dict, blank=True)
    # A path on this site ("/revisione/post/3/"), never an outside address.
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When an email about it is due (quiet hours, daily digest); None: no email to send.
    email_due_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notifica")
        verbose_name_plural = _("notifiche")
        indexes = [
            # The list of one person's notifications, newest first.
            models.Index(fields=["user", "-created_at", "-id"], name="notification_list"),
            # The header's unread count, on every page.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            # The beat task's "emails due now".
            models.Index(
                fields=["email_due_at"],
                condition=Q(email_due_at__isnull=False, emailed_at__isnull=True),
                name="notification_email_due",
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.text}"

    @property
    def text(self) -> str:
        return notification_text(self.kind, self.params)


class NotificationSettings(models.Model):
    """How one person wants to hear about each kind (absent kinds: email at once) and their
    quiet hours (no email then: it waits for the end of them)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    # {kind: Delivery value}
    choices = models.JSONField(default=dict, blank=True)
    quiet_from = models.TimeField(_("silenzio dalle"), null=True, blank=True)
    quiet_until = models.TimeField(_("silenzio fino alle"), null=True, blank=True)

    class Meta:
        verbose_name = _("preferenze di notifica")
        verbose_name_plural = _("preferenze di notifica")

    def __str__(self):
        return str(self.user)
