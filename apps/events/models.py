import uuid
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def local_days(starts_at, ends_at, all_day: bool) -> tuple[date, date]:
    """The first and last local day a span touches (an all-day end is exclusive)."""
    first = timezone.localtime(starts_at).date()
    end = timezone.localtime(ends_at)
    if all_day:
        return first, max(first, (end - timedelta(days=1)).date())
    return first, end.date()


def event_image_path(instance, filename: str) -> str:
    """A random name with the image's own extension: never the uploader's file name."""
    extension = Path(filename).suffix.lower()[:10]
    return f"events/{timezone.now():%Y}/{uuid.uuid4().hex}{extension}"


class EventCategory(models.Model):
    name = models.CharField(_("nome"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    allows_recurrence = models.BooleanField(_("ammette ricorrenze"), default=False)
    # A category feed URL lives forever in subscribers' calendars: retire, never delete.
    retired = models.BooleanField(
        _("dismessa"),
        default=False,
        help_text=_("Una categoria dismessa non ha più feed né nuovi eventi."),
    )
    # A rename changes the feeds' bodies: their Last-Modified must move with it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("categoria di eventi")
        verbose_name_plural = _("categorie di eventi")

    def __str__(self):
        return self.name

    def clean(self):
        # A name is one line (calendar names, headings): runs of whitespace become one space.
        self.name = " ".join(self.name.split())


class EventStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confermato")
    CANCELLED = "cancelled", _("Annullato")
    POSTPONED = "postponed", _("Rinviato")


class Event(models.Model):
    """A public event of the Comune, shown on the public pages and in the iCal feeds.

    All-day events are stored like their iCalendar form: ``starts_at`` is local midnight of
    the first day and ``ends_at`` local midnight of the day after the last one (exclusive).
    """

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
    image = models.ImageField(_("immagine"), upload_to=event_image_path, blank=True)
    image_alt = models.CharField(_("testo alternativo dell'immagine"), max_length=500, blank=True)
    status = models.CharField(
        _("stato"), max_length=12, choices=EventStatus.choices, default=EventStatus.CONFIRMED
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    rrule = models.CharField(_("ricorrenza (RRULE)"), max_length=300, blank=True)
    # Last local day of a recurring series (None: no end); lets the feed query skip old series.
    repeat_until = models.DateField(_("ripeti fino al"), null=True, blank=True)
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
        indexes = [
            # The feeds and public pages: published events ending after a cut-off.
            models.Index(fields=["published", "ends_at"], name="event_public_ends_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:public_detail", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)

    @property
    def first_day(self) -> date:
        return local_days(self.starts_at, self.ends_at, self.all_day)[0]

    @property
    def last_day(self) -> date:
        """The last local day the event touches (all-day ``ends_at`` is exclusive)."""
        return local_days(self.starts_at, self.ends_at, self.all_day)[1]

    @property
    def full_location(self) -> str:
        return ", ".join(part for part in (self.location_name, self.address) if part)
