import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class EventCategory(models.Model):
    name = models.CharField(_("nome"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    allows_recurrence = models.BooleanField(_("ammette ricorrenze"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("categoria di eventi")
        verbose_name_plural = _("categorie di eventi")

    def __str__(self):
        return self.name


class EventStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confermato")
    CANCELLED = "cancelled", _("Annullato")
    POSTPONED = "postponed", _("Rinviato")


class Event(models.Model):
    """A public event of the Comune, shown on the public pages and in the iCal feeds."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("titolo"), max_length=200)
    description = models.TextField(_("descrizione"), blank=True)
    all_day = models.BooleanField(_("tutto il giorno"), default=False)
    starts_at = models.DateTimeField(_("inizio"), db_index=True)
    ends_at = models.DateTimeField(_("fine"))
    location_name = models.CharField(_("luogo"), max_length=200, blank=True)
    address = models.CharField(_("indirizzo"), max_length=300, blank=True)
    category = models.ForeignKey(
        EventCategory, verbose_name=_("categoria"), on_delete=models.PROTECT, related_name="events"
    )
    organiser = models.CharField(_("organizzatore"), max_length=200, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    image = models.ImageField(_("immagine"), upload_to="events/%Y/", blank=True)
    image_alt = models.CharField(_("testo alternativo dell'immagine"), max_length=500, blank=True)
    status = models.CharField(
        _("stato"), max_length=12, choices=EventStatus.choices, default=EventStatus.CONFIRMED
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    rrule = models.CharField(_("ricorrenza (RRULE)"), max_length=300, blank=True)
    published = models.BooleanField(_("pubblicato"), default=False)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("evento")
        verbose_name_plural = _("eventi")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:public_detail", args=[self.pk])
