from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may do, on top of what its person may do in the browser."""

    READ = "read", _("Lettura (post, rubriche, eventi, crisi, silenzi)")
    WRITE_POSTS = "write:posts", _("Scrittura dei post (bozze, varianti, invio in revisione)")
    WRITE_EVENTS = "write:events", _("Scrittura degli eventi")
    REVIEW = "review", _("Revisione dei post (approva, chiedi modifiche): solo approvatori")


class TokenKind(models.TextChoices):
    PERSONAL = "personal", _("Personale")
    SERVICE = "service", _("Di servizio")
