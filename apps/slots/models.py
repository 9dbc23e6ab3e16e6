from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Slot(models.Model):
    """A fixed appointment ("rubrica") citizens can count on.

    Example: the weekend's events every Friday.

    Occurrences are computed from ``rrule`` (RFC 5545, local Europe/Rome wall time);
    only fills and skips are stored.
    """

    name = models.CharField(_("nome"), max_length=120)
    rrule = models.CharField(_("ricorrenza (RRULE)"), max_length=300)
    time = models.TimeField(_("ora"))
    channels = models.ManyToManyField(
        "channels.Channel", verbose_name=_("canali"), related_name="slots"
    )
    category = models.ForeignKey(
        "planning.ContentCategory",
        verbose_name=_("categoria"),
        on_delete=models.PROTECT,
        related_name="slots",
    )
    brief = models.TextField(_("traccia per chi scrive"), blank=True)
    start_date = models.DateField(_("dal"))
    end_date = models.DateField(_("al"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsabile"),
        on_delete=models.PROTECT,
        related_name="slots_owned",
    )
    active = models.BooleanField(_("attiva"), default=True)
    is_events_digest = models.BooleanField(_("riepilogo eventi"), default=False)
    # Window of events covered by a digest, relative to the occurrence's date.
    digest_start_offset_days = models.SmallIntegerField(
        _("eventi da: giorni dopo l'uscita"), default=0
    )
    digest_start_time = models.TimeField(_("eventi da: ora"), null=True, blank=True)
    digest_end_offset_days = models.SmallIntegerField(
        _("eventi fino a: giorni dopo l'uscita"), default=2
    )
    digest_end_time = models.TimeField(_("eventi fino a: ora"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("rubrica")
        verbose_name_plural = _("rubriche")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("slots:detail", args=[self.pk])


class SlotFill(models.Model):
    """The post that fills one occurrence. An occurrence has at most one post and vice versa."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="fills")
    occurrence_at = models.DateTimeField()
    post = models.OneToOneField("planning.Post", on_delete=models.CASCADE, related_name="slot_fill")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "occurrence_at"], name="one_post_per_occurrence"
            )
        ]

    def __str__(self):
        return f"{self.slot} @ {self.occurrence_at:%Y-%m-%d %H:%M}"


class SlotSkip(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="skips")
    occurrence_at = models.DateTimeField()
    reason = models.CharField(_("motivo"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "occurrence_at"], name="one_skip_per_occurrence"
            )
        ]

    def __str__(self):
        return f"{self.slot} @ {self.occurrence_at:%Y-%m-%d %H:%M}: {self.reason}"


class SlotReminder(models.Model):
    """One reminder email about one empty occurrence on one day: never sent twice that day."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="reminders")
    occurrence_at = models.DateTimeField()
    sent_on = models.DateField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "occurrence_at", "sent_on"], name="one_reminder_per_day"
            )
        ]

    def __str__(self):
        return f"{self.slot} @ {self.occurrence_at:%Y-%m-%d %H:%M} ({self.sent_on})"
