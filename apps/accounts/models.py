from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """What the office knows of a person beyond Django's user: the language of their emails."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("lingua"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    def __str__(self):
        return f"{self.user} ({self.language})"
