from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Crisis(models.Model):
    """One declared crisis, from declaration to its end. At most one is open at a time."""

    reason = models.TextField(_("motivo"))
    all_channels = models.BooleanField(_("tutti i canali"), default=True)
    channels = models.ManyToManyField(
        "channels.Channel", verbose_name=_("canali coinvolti"), blank=True, related_name="+"
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dichiarata da"),
    )
    declared_at = models.DateTimeField(_("dichiarata il"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    ended_at = models.DateTimeField(_("terminata il"), null=True, blank=True)
    end_note = models.TextField(_("nota di chiusura"), blank=True)
    # Deliveries that were already sending when the declaration committed: taken inside the
    # declaring transaction, after every claim in progress had committed, so it is exact.
    mid_send_delivery_ids = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["-declared_at"]
        verbose_name = _("crisi")
        verbose_name_plural = _("crisi")
        constraints = [
            # On a constant (NULLs are distinct in a unique index, so not on ended_at): at
            # most one row may match the condition.
            models.UniqueConstraint(
                models.ExpressionWrapper(models.Value(1), output_field=models.IntegerField()),
                condition=models.Q(ended_at__isnull=True),
                name="one_open_crisis",
                violation_error_message=_("C'è già una crisi in corso."),
            )
        ]

    def __str__(self):
        return self.reason[:80]


class CrisisState(models.Model):
    """The single row every claim reads (FOR SHARE) and every declaration writes (FOR UPDATE).

    Serialising on this row is what makes the crisis stop exact: see docs/architecture.md.
    """

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    current = models.ForeignKey(
        Crisis, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stato di crisi")

    def __str__(self):
        return str(self.current or "—")


class BlackoutKind(models.TextChoices):
    ELECTORAL = "electoral", _("Silenzio elettorale (L. 28/2000, art. 9)")
    MOURNING = "mourning", _("Lutto cittadino")
    OTHER = "other", _("Altro")


class Blackout(models.Model):
    """A planned period when ordinary communication stops."""

    kind = models.CharField(_("tipo"), max_length=16, choices=BlackoutKind.choices)
    reason = models.CharField(_("motivo"), max_length=200)
    starts_at = models.DateTimeField(_("inizio"))
    ends_at = models.DateTimeField(_("fine"))
    all_channels = models.BooleanField(_("tutti i canali"), default=True)
    channels = models.ManyToManyField(
        "channels.Channel", verbose_name=_("canali coinvolti"), blank=True, related_name="+"
    )
    allowed_categories = models.ManyToManyField(
        "planning.ContentCategory",
        verbose_name=_("categorie ammesse"),
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("periodo di silenzio")
        verbose_name_plural = _("periodi di silenzio")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="blackout_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.reason}"
