from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    FACEBOOK = "facebook", _("Pagina Facebook")
    INSTAGRAM = "instagram", _("Instagram")
    X = "x", _("X")
    LINKEDIN = "linkedin", _("LinkedIn")
    TELEGRAM = "telegram", _("Canale Telegram")
    MASTODON = "mastodon", _("Mastodon")
    BLUESKY = "bluesky", _("Bluesky")
    THREADS = "threads", _("Threads")
    NEWSLETTER = "newsletter", _("Newsletter email")
    WEBSITE = "website", _("Notizie del sito web")
    WEBHOOK = "webhook", _("Webhook generico")
    WORDPRESS = "wordpress", _("Sito comunale (WordPress)")
    OUTBOX = "outbox", _("Registro dimostrativo (outbox)")


class Formality(models.TextChoices):
    INFORMAL = "informal", _("Informale")
    NEUTRAL = "neutral", _("Neutro")
    FORMAL = "formal", _("Formale")
