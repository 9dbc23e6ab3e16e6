from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit entries are append-only")

    def delete(self):
        raise PermissionError("Audit entries are append-only")


class AuditEntry(models.Model):
    """One thing that happened: who, when, what, and before/after where it applies."""

    at = models.DateTimeField(_("quando"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("azione"), max_length=64, db_index=True)
    object_type = models.CharField(_("tipo di oggetto"), max_length=64, blank=True)
    object_id = models.CharField(_("id oggetto"), max_length=64, blank=True)
    object_repr = models.CharField(_("oggetto"), max_length=300, blank=True)
    # Lets the post page list its own entries (variants, deliveries and comments included).
    post_id = models.BigIntegerField(_("post"), null=True, blank=True, db_index=True)
    summary = models.TextField(_("descrizione"), blank=True)
    # How the actor acted when not through the web pages: "API: <token name>".
    via = models.CharField(_("tramite"), max_length=200, blank=True)
    before = models.JSONField(_("prima"), null=True, blank=True)
    after = models.JSONField(_("dopo"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("voce del registro")
        verbose_name_plural = _("registro attività")
        indexes = [
            # The global list filtered by action, newest first.
            models.Index(fields=["action", "-at"], name="audit_action_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only")
