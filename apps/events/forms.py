from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.forms import date_input, time_input
from apps.core.validators import WebURLField
from apps.media_library.enums import Licence
from apps.media_library.forms import check_licence

from .ical import clean_text, is_ambiguous
from .models import Event, EventCategory, EventStatus
from .selectors import active_categories

WEEKLY = "FREQ=WEEKLY"
MAX_REPEAT_DAYS = 3 * 366
FILTER_YEARS = 10


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _exists(value: datetime) -> bool:
    """False for a wall time the spring-forward night skips (02:00-02:59)."""
    # Through UTC: astimezone() to the same zone object is a no-op in Python.
    return timezone.localtime(value.astimezone(UTC)).replace(tzinfo=None) == value.replace(
        tzinfo=None
    )


def clock_pass_field() -> forms.ChoiceField:
    """Which of the two passes of a wall time the fall-back night has twice (shown only then)."""
    return forms.ChoiceField(
        label=_("Quale delle due volte?"),
        required=False,
        choices=[
            ("first", _("La prima (ancora ora legale, +02:00)")),
            ("second", _("La seconda (già ora solare, +01:00)")),
        ],
        widget=forms.RadioSelect,
        help_text=_("La notte del ritorno all'ora solare l'orologio segna due volte le ore 2."),
    )


class WhenMixin:
    """Start and end typed as local date and time; all-day events take days only. A wall
    time the spring-forward night skips is refused; one the fall-back night has twice needs
    ``clock_pass`` to say which."""

    needs_clock_pass = False

    @property
    def shows_clock_pass(self) -> bool:
        return self.needs_clock_pass or bool(self["clock_pass"].value())

    def _pass(self, name: str, value: datetime) -> datetime | None:
        if not is_ambiguous(value):
            return value
        self.needs_clock_pass = True
        chosen = self.cleaned_data.get("clock_pass")
        if not chosen:
            self.add_error(
                "clock_pass",
                _(
                    "Le %(time)s del %(day)s capitano due volte: alle 3 l'orologio torna alle 2. "
                    "Scegli quale delle due."
                )
                % {"time": value.strftime("%H:%M"), "day": value.strftime("%d/%m/%Y")},
            )
            return None
        # In UTC from here: Python compares two times of one zone by wall clock, not fold.
        return value.replace(fold=1 if chosen == "second" else 0).astimezone(UTC)

    def _when(self, *, all_day: bool, required: bool = True):
        data = self.cleaned_data
        start_date, end_date = data.get("start_date"), data.get("end_date")
        start_time, end_time = data.get("start_time"), data.get("end_time")
        if start_date is None:
            if required and "start_date" not in self.errors:
                self.add_error("start_date", _("Indica la data di inizio."))
            return None
        end_date = end_date or start_date
        this_year = timezone.localdate().year
        for name, day in (("start_date", start_date), ("end_date", end_date)):
            if abs(day.year - this_year) > FILTER_YEARS:
                self.add_error(name, _("Scegli una data entro dieci anni da oggi."))
                return None
        if all_day:
            if end_date < start_date:
                self.add_error("end_date", _("L'ultimo giorno non può precedere il primo."))
                return None
            return _local(start_date, time(0)), _local(end_date + timedelta(days=1), time(0))
        if start_time is None:
            self.add_error("start_time", _("Indica l'ora di inizio, o scegli «tutto il giorno»."))
            return None
        if end_time is None:
            self.add_error("end_time", _("Indica l'ora di fine."))
            return None
        starts_at, ends_at = _local(start_date, start_time), _local(end_date, end_time)
        for name, value in (("start_time", starts_at), ("end_time", ends_at)):
            if not _exists(value):
                self.add_error(
                    name,
                    _("Quest'ora non esiste in quel giorno: l'orologio passa dalle 2 alle 3."),
                )
                return None
        starts_at, ends_at = self._pass("start_time", starts_at), self._pass("end_time", ends_at)
        if starts_at is None or ends_at is None:
            return None
        if ends_at <= starts_at:
            self.add_error("end_time", _("La fine deve venire dopo l'inizio."))
            return None
        return starts_at, ends_at


def _pass_of(start: datetime, end: datetime, all_day: bool) -> str:
    for value in (start, end):
        if not all_day and is_ambiguous(value):
            return "second" if value.fold else "first"
    return ""


def _series_clash(start: datetime, end: datetime, until: date) -> datetime | None:
    """The first start or end wall time of a weekly series (naive local times) that a clock
    change skips or repeats; the series has at most ``MAX_REPEAT_DAYS`` / 7 dates."""
    week = timedelta(days=7)
    while start.date() <= until:
        for wall in (start, end):
            value = timezone.make_aware(wall)
            if not _exists(value) or is_ambiguous(value):
                return value
        start, end = start + week, end + week
    return None


class EventForm(WhenMixin, forms.Form):
    title = forms.CharField(label=_("Titolo"), max_length=200)
    category = forms.ModelChoiceField(
        label=_("Categoria"), queryset=active_categories(), empty_label=None
    )
    description = forms.CharField(
        label=_("Descrizione"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        strip=False,
    )
    all_day = forms.BooleanField(label=_("Tutto il giorno"), required=False)
    start_date = forms.DateField(label=_("Data di inizio"), widget=date_input())
    start_time = forms.TimeField(label=_("Ora di inizio"), required=False, widget=time_input())
    end_date = forms.DateField(
        label=_("Data di fine"),
        required=False,
        widget=date_input(),
        help_text=_("Vuota: lo stesso giorno dell'inizio."),
    )
    end_time = forms.TimeField(label=_("Ora di fine"), required=False, widget=time_input())
    clock_pass = clock_pass_field()
    repeat_weekly = forms.BooleanField(
        label=_("Si ripete ogni settimana"),
        required=False,
        help_text=_("Lo stesso giorno della settimana e alla stessa ora, ad esempio un mercato."),
    )
    repeat_until = forms.DateField(label=_("Ripeti fino al"), required=False, widget=date_input())
    location_name = forms.CharField(label=_("Luogo"), max_length=200, required=False)
    address = forms.CharField(label=_("Indirizzo"), max_length=300, required=False)
    organiser = forms.CharField(label=_("Organizzatore"), max_length=200, required=False)
    link = WebURLField(label=_("Link per approfondire"), max_length=500, required=False)
    # A plain file field: the media library checks the content (Pillow, size, duplicates)
    # when the event is saved, and the image goes into the library.
    image = forms.FileField(
        label=_("Immagine"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
        help_text=_(
            "JPEG, PNG, GIF o WebP, al massimo %(size)s. Entra nella libreria media, senza i dati "
            "della fotocamera né la posizione GPS; se è già nella libreria si usa quella."
        )
        % {"size": filesizeformat(settings.MEDIA_MAX_IMAGE_BYTES)},
    )
    remove_image = forms.BooleanField(label=_("Rimuovi l'immagine attuale"), required=False)
    image_alt = forms.CharField(
        label=_("Testo alternativo dell'immagine"),
        max_length=500,
        required=False,
        help_text=_("Obbligatorio con un'immagine: descrivi cosa mostra."),
    )
    credits = forms.CharField(
        label=_("Crediti dell'immagine (autore)"),
        max_length=200,
        required=False,
        help_text=_("Per un'immagine caricata qui; come nella libreria."),
    )
    licence = forms.ChoiceField(
        label=_("Licenza dell'immagine"),
        choices=Licence.choices,
        initial=Licence.COMUNE,
        required=False,  # asked only with an uploaded image: the Comune's own by default
    )
    licence_other = forms.CharField(
        label=_("Altra licenza"),
        max_length=200,
        required=False,
        help_text=_("Solo se la licenza è «Altra»."),
    )
    published = forms.BooleanField(
        label=_("Pubblicato"),
        required=False,
        help_text=_("Solo gli eventi pubblicati compaiono nelle pagine pubbliche e nei feed."),
    )

    def __init__(
        self, *args, event: Event | None = None, library_image=None, shown_library_file="", **kwargs
    ):
        self.event = event
        # The image chosen in the media library's picker (media_library.services.set_event_asset
        # then gives the event its file and alt text), and the file of the one the event shows
        # now (if it is not chosen again, it goes with the library link).
        self.library_image = library_image
        self.shown_library_file = shown_library_file
        if event is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(event)
        super().__init__(*args, **kwargs)
        if event is not None and event.category.retired:
            self.fields["category"].queryset = active_categories() | type(
                event.category
            ).objects.filter(pk=event.category_id)
        if event is None or not event.image:
            del self.fields["remove_image"]

    @staticmethod
    def initial_for(event: Event) -> dict:
        start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
        return {
            "title": event.title,
            "category": event.category_id,
            "description": event.description,
            "all_day": event.all_day,
            "start_date": start.date(),
            "start_time": None if event.all_day else start.time(),
            "end_date": event.last_day,
            "end_time": None if event.all_day else end.time(),
            "clock_pass": _pass_of(start, end, event.all_day),
            "repeat_weekly": bool(event.rrule),
            "repeat_until": event.repeat_until,
            "location_name": event.location_name,
            "address": event.address,
            "organiser": event.organiser,
            "link": event.link,
            "image_alt": event.image_alt,
            "published": event.published,
        }

    def clean_title(self):
        title = self.cleaned_data["title"]
        if "\n" in title or "\r" in title:
            raise forms.ValidationError(_("Il titolo deve stare su una riga."))
        return clean_text(title)

    def clean_description(self):
        return clean_text(self.cleaned_data["description"])

    def clean_location_name(self):
        return clean_text(self.cleaned_data["location_name"])

    def clean_address(self):
        return clean_text(self.cleaned_data["address"])

    def clean_organiser(self):
        return clean_text(self.cleaned_data["organiser"])

    def clean(self):
        data = super().clean()
        when = self._when(all_day=data.get("all_day", False))
        if when:
            data["starts_at"], data["ends_at"] = when
        self._clean_recurrence(data)
        keeps_image = (
            bool(self.event and self.event.image)
            and not data.get("remove_image")
            and self.event.image.name != self.shown_library_file
        )
        if self.library_image is not None:
            if data.get("image"):
                self.add_error(
                    "image",
                    _(
                        "Scegli un'immagine dalla libreria oppure caricane una nuova, "
                        "non tutte e due."
                    ),
                )
        elif (data.get("image") or keeps_image) and not data.get("image_alt", "").strip():
            self.add_error("image_alt", _("Descrivi l'immagine per chi non la vede."))
        if data.get("image"):
            try:
                check_licence(data)
            except forms.ValidationError as refused:
                self.add_error(None, refused)
        return data

    @property
    def upload(self):
        """The image uploaded on the form (it goes into the library), or None."""
        return self.cleaned_data.get("image") or None

    def upload_fields(self) -> dict:
        """What the library stores with the uploaded image (``add_event_image``)."""
        data = self.cleaned_data
        return {
            "alt_text": data["image_alt"],
            "credits": data["credits"],
            "licence": data["licence"] or Licence.COMUNE,
            "licence_other": data["licence_other"],
        }

    def _clean_recurrence(self, data):
        if not data.get("repeat_weekly"):
            return
        category, until, start = (
            data.get("category"),
            data.get("repeat_until"),
            data.get("start_date"),
        )
        if category is not None and not category.allows_recurrence and until is None:
            self.add_error(
                "repeat_until",
                _(
                    "La categoria «%(category)s» non ammette ricorrenze senza fine: "
                    "indica fino a quando si ripete."
                )
                % {"category": category.name},
            )
        if until and start:
            if until < start:
                self.add_error("repeat_until", _("La ricorrenza finisce prima di cominciare."))
            elif (until - start).days > MAX_REPEAT_DAYS:
                self.add_error("repeat_until", _("Una ricorrenza dura al massimo tre anni."))
        if "starts_at" in data and data["ends_at"] - data["starts_at"] > timedelta(days=7):
            self.add_error("repeat_weekly", _("Un evento di più di sette giorni non si ripete."))
        elif "starts_at" in data and not data.get("all_day"):
            last = start + timedelta(days=MAX_REPEAT_DAYS)  # open series: their first years
            self._clean_series_clock(data, min(until or last, last))

    def _clean_series_clock(self, data, until: date):
        """A weekly series repeats its wall time: on a clock-change night that time may not
        exist, or exist twice. Refused, naming the first such date."""
        start, end = timezone.localtime(data["starts_at"]), timezone.localtime(data["ends_at"])
        value = _series_clash(start.replace(tzinfo=None), end.replace(tzinfo=None), until)
        if value is None:
            return
        message = (
            _("Il %(day)s le %(time)s non esistono: l'orologio passa dalle 2 alle 3.")
            if not _exists(value)
            else _("Il %(day)s le %(time)s capitano due volte: l'orologio torna dalle 3 alle 2.")
        )
        self.add_error(
            "repeat_weekly",
            message % {"day": value.strftime("%d/%m/%Y"), "time": value.strftime("%H:%M")}
            + " "
            + _("Una serie settimanale non cade tra le 2 e le 3 di notte: scegli un'altra ora."),
        )

    def to_fields(self) -> dict:
        """The cleaned data as model fields for the services."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "title",
                "category",
                "description",
                "all_day",
                "starts_at",
                "ends_at",
                "location_name",
                "address",
                "organiser",
                "link",
                "image_alt",
                "published",
            )
        }
        fields["rrule"] = WEEKLY if data.get("repeat_weekly") else ""
        fields["repeat_until"] = data.get("repeat_until") if data.get("repeat_weekly") else None
        if self.library_image is not None or data.get("image"):
            # The library image's own alt text and file (set_event_asset, add_event_image).
            del fields["image_alt"]
        elif data.get("remove_image") or (
            self.shown_library_file and self.event.image.name == self.shown_library_file
        ):  # removed, or the library image no longer chosen
            fields["image"] = ""
            fields["image_alt"] = ""
        return fields


class PostponeForm(WhenMixin, forms.Form):
    start_date = forms.DateField(
        label=_("Nuova data di inizio"), required=False, widget=date_input()
    )
    start_time = forms.TimeField(
        label=_("Nuova ora di inizio"), required=False, widget=time_input()
    )
    end_date = forms.DateField(label=_("Nuova data di fine"), required=False, widget=date_input())
    end_time = forms.TimeField(label=_("Nuova ora di fine"), required=False, widget=time_input())
    clock_pass = clock_pass_field()

    def __init__(self, *args, event: Event, **kwargs):
        self.event = event
        super().__init__(*args, **kwargs)
        if event.all_day:
            del self.fields["start_time"]
            del self.fields["end_time"]

    def clean(self):
        data = super().clean()
        if data.get("start_date") is None:
            return data  # date to be decided
        when = self._when(all_day=self.event.all_day)
        if when:
            data["starts_at"], data["ends_at"] = when
        return data


class PublicFilterForm(forms.Form):
    categoria = forms.ChoiceField(label=_("Categoria"), required=False)
    dal = forms.DateField(label=_("Dal"), required=False, widget=date_input())
    al = forms.DateField(label=_("Al"), required=False, widget=date_input())

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {c.slug: c for c in categories}
        self.fields["categoria"].choices = [("", _("Tutte"))] + [
            (c.slug, c.name) for c in categories
        ]

    def _clean_day(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and abs(day.year - timezone.localdate().year) > FILTER_YEARS:
            raise forms.ValidationError(_("Scegli una data entro dieci anni da oggi."))
        return day

    def clean_dal(self):
        return self._clean_day("dal")

    def clean_al(self):
        return self._clean_day("al")

    def clean(self):
        data = super().clean()
        start, end = data.get("dal"), data.get("al")
        if start and end and end < start:
            self.add_error("al", _("La data finale viene prima di quella iniziale."))
        return data


class ManageFilterForm(forms.Form):
    q = forms.CharField(label=_("Cerca"), required=False, max_length=100)
    stato = forms.ChoiceField(
        label=_("Stato"), required=False, choices=[("", _("Tutti"))] + EventStatus.choices
    )
    categoria = forms.ModelChoiceField(
        label=_("Categoria"),
        required=False,
        queryset=EventCategory.objects.order_by("name"),
        empty_label=_("Tutte"),
        to_field_name="slug",
    )
    passati = forms.BooleanField(label=_("Anche gli eventi passati"), required=False)
