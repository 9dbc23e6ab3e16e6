from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.planning.models import search_document


class Comment(models.Model):
    post = models.ForeignKey("planning.Post", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("commento"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("commento")
        verbose_name_plural = _("commenti")
        indexes = [
            # Search (planning.search via review.selectors.COMMENT_TEXT), PostgreSQL only.
            GinIndex(search_document("body"), name="comment_search_gin"),
        ]

    def __str__(self):
        return f"{self.author}: {self.body[:40]}"


class OfficeSettings(models.Model):
    """Settings of the office that change who may do what (one row)."""

    allow_self_approval = models.BooleanField(
        _("consenti l'auto-approvazione"),
        default=False,
        help_text=_("Solo per uffici di una persona: ogni uso resta nel registro."),
    )

    class Meta:
        verbose_name = _("impostazioni dell'ufficio")
        verbose_name_plural = _("impostazioni dell'ufficio")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def load(cls) -> "OfficeSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
