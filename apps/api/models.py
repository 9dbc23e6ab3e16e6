from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import TokenKind


class ApiToken(models.Model):
    """An access token for ``/api/v1/``: it acts as ``user``, limited to ``scopes``.

    Only the SHA-256 of the secret is stored (shown once, at creation); ``prefix`` is the
    public, random part of the token that finds the row without comparing secrets.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chi agisce"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    kind = models.CharField(_("tipo"), max_length=10, choices=TokenKind.choices)
    name = models.CharField(_("nome"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("permessi"), default=list)
    expires_at = models.DateTimeField(_("scade il"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("ultimo uso"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revocato il"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("token di accesso")
        verbose_name_plural = _("token di accesso")

    def __str__(self):
        return self.name

    def is_usable(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)
