from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import ChannelKind, Formality
from .kinds import defaults_for


class Channel(models.Model):
    """One account the office publishes to, with the tone its writers must keep."""

    name = models.CharField(_("nome"), max_length=100, unique=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=ChannelKind.choices)
    active = models.BooleanField(_("attivo"), default=True)
    char_limit = models.PositiveIntegerField(_("limite di caratteri"), blank=True)
    formality = models.CharField(
        _("registro"), max_length=10, choices=Formality.choices, blank=True
    )
    guidance = models.TextField(_("indicazioni di tono"), blank=True)
    max_hashtags = models.PositiveSmallIntegerField(_("hashtag massimi"), null=True, blank=True)
    emoji_allowed = models.BooleanField(_("emoji ammesse"), null=True, blank=True)
    link_expected = models.BooleanField(_("link atteso"), null=True, blank=True)
    gulpease_target = models.PositiveSmallIntegerField(
        _("leggibilità minima (Gulpease)"), null=True, blank=True
    )
    # Non-secret per-channel settings: API base URL, page id, chat id, organisation URN…
    late_tolerance_minutes = models.PositiveSmallIntegerField(
        _("ritardo tollerato (minuti)"),
        default=15,
        help_text=_(
            "Un post trattenuto oltre questo ritardo (crisi, silenzio, guasto) non parte da "
            "solo: viene sospeso finché una persona decide."
        ),
    )
    config = models.JSONField(_("configurazione"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("canale")
        verbose_name_plural = _("canali")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.apply_kind_defaults()
        super().save(*args, **kwargs)

    def apply_kind_defaults(self):
        """Blank tone fields take the defaults of the channel's kind."""
        defaults = defaults_for(self.kind)
        for field in (
            "char_limit",
            "formality",
            "guidance",
            "max_hashtags",
            "emoji_allowed",
            "link_expected",
            "gulpease_target",
        ):
            if getattr(self, field) in (None, ""):
                setattr(self, field, getattr(defaults, field))

    @property
    def icon(self) -> str:
        return defaults_for(self.kind).icon
