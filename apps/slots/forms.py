from datetime import date, time

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from apps.accounts.roles import Role
from apps.channels.models import Channel
from apps.core.forms import BoundedModelMultipleChoiceField, date_input, time_input
from apps.planning.models import TEXT_MAX_LENGTH, ContentCategory

from .models import Slot
from .recurrence import (
    MONTHLY,
    ORDINAL_NAMES,
    WEEKDAY_NAMES,
    WEEKLY,
    Recurrence,
    RecurrenceError,
    parse_rrule,
)

WEEKDAY_CHOICES = [(str(i), name.capitalize()) for i, name in enumerate(WEEKDAY_NAMES)]
ORDINAL_CHOICES = [(str(k), v) for k, v in ORDINAL_NAMES.items()]
# Dates outside these bounds are typing slips (year 0001 or 9999): refusing them keeps the
# recurrence expansion short and the date arithmetic inside Python's range.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)
PLAUSIBLE_DATE = [
    MinValueValidator(EARLIEST_DATE, _("Indica una data dal 2000 in poi.")),
    MaxValueValidator(LATEST_DATE, _("Indica una data entro il 2099.")),
]
# Europe/Rome changes the clock on a Sunday between 02:00 and 03:00.
DST_HOUR_START, DST_HOUR_END = time(2, 0), time(3, 0)


class RecurrenceForm(forms.Form):
    """The recurrence edited as choices, never as RRULE text."""

    frequency = forms.ChoiceField(
        label=_("Frequenza"),
        choices=[(WEEKLY, _("Settimanale")), (MONTHLY, _("Mensile"))],
        initial=WEEKLY,
        widget=forms.RadioSelect,
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Giorni della settimana"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interval = forms.IntegerField(
        label=_("Ogni quante settimane"),
        required=False,
        min_value=1,
        max_value=8,
        initial=1,
        help_text=_("1 = ogni settimana, 2 = una settimana sì e una no."),
    )
    ordinal = forms.TypedChoiceField(
        label=_("Quale nel mese"), choices=ORDINAL_CHOICES, coerce=int, initial="1"
    )
    monthly_weekday = forms.TypedChoiceField(
        label=_("Giorno"), choices=WEEKDAY_CHOICES, coerce=int, initial="0"
    )
    time = forms.TimeField(label=_("Ora"), widget=time_input())
    start_date = forms.DateField(
        label=_("Dal"),
        validators=PLAUSIBLE_DATE,
        widget=date_input(),
    )
    end_date = forms.DateField(
        label=_("Al (facoltativo)"),
        required=False,
        validators=PLAUSIBLE_DATE,
        widget=date_input(),
    )

    recurrence: Recurrence | None = None

    def clean(self):
        cleaned = super().clean()
        frequency = cleaned.get("frequency")
        if frequency == WEEKLY:
            weekdays = tuple(sorted(int(d) for d in cleaned.get("weekdays") or []))
            if not weekdays:
                self.add_error("weekdays", _("Scegli almeno un giorno della settimana."))
            else:
                self.recurrence = Recurrence(
                    frequency=WEEKLY, weekdays=weekdays, interval=cleaned.get("interval") or 1
                )
        elif frequency == MONTHLY:
            if cleaned.get("ordinal") is not None and cleaned.get("monthly_weekday") is not None:
                self.recurrence = Recurrence(
                    frequency=MONTHLY,
                    ordinal=cleaned["ordinal"],
                    monthly_weekday=cleaned["monthly_weekday"],
                )
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La data di fine è prima della data di inizio."))
        at = cleaned.get("time")
        if (
            at is not None
            and self.recurrence is not None
            and self.recurrence.touches_sunday
            and DST_HOUR_START <= at < DST_HOUR_END
        ):
            self.add_error(
                "time",
                _(
                    "La domenica del cambio dell'ora, tra le 2:00 e le 3:00 l'ora non esiste "
                    "o si ripete: scegli un altro orario."
                ),
            )
        return cleaned

    def clean_interval(self):
        # Monthly rules have no interval: an empty field is fine then.
        return self.cleaned_data.get("interval") or 1


class SlotForm(RecurrenceForm, forms.ModelForm):
    # The brief becomes the draft's base text: no longer than a post's text may be.
    brief = forms.CharField(
        label=capfirst(Slot._meta.get_field("brief").verbose_name),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Cosa deve contenere ogni uscita: diventa il testo iniziale della bozza."),
    )

    class Meta:
        model = Slot
        fields = [
            "name",
            "channels",
            "category",
            "brief",
            "owner",
            "active",
            "is_events_digest",
            "digest_start_offset_days",
            "digest_start_time",
            "digest_end_offset_days",
            "digest_end_time",
            "time",
            "start_date",
            "end_date",
        ]
        field_classes = {"channels": BoundedModelMultipleChoiceField}
        widgets = {
            "channels": forms.CheckboxSelectMultiple,
            "digest_start_time": time_input(),
            "digest_end_time": time_input(),
        }
        help_texts = {
            "is_events_digest": _(
                "La bozza elenca gli eventi pubblici del periodo indicato sotto."
            ),
            "digest_start_offset_days": _("0 = il giorno dell'uscita, 1 = il giorno dopo…"),
            "digest_end_offset_days": _(
                "Es. 2 per un'uscita di venerdì che copre fino a domenica."
            ),
        }
        error_messages = {
            "channels": {"required": _("Scegli almeno un canale.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].queryset = Channel.objects.filter(active=True)
        self.fields["category"].queryset = ContentCategory.objects.filter(active=True)
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=[r.value for r in Role])
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        if self.instance.pk and self.instance.rrule and not self.is_bound:
            try:
                recurrence = parse_rrule(self.instance.rrule)
            except RecurrenceError:
                recurrence = None
            if recurrence is not None:
                self.initial.update(
                    {
                        "frequency": recurrence.frequency,
                        "weekdays": [str(d) for d in recurrence.weekdays],
                        "interval": recurrence.interval,
                        "ordinal": str(recurrence.ordinal),
                        "monthly_weekday": str(recurrence.monthly_weekday),
                    }
                )

    def clean(self):
        cleaned = super().clean()
        if self.recurrence is not None:
            self.instance.rrule = self.recurrence.to_rrule()
        if cleaned.get("is_events_digest"):
            self._check_digest_window(cleaned)
        return cleaned

    def _check_digest_window(self, cleaned):
        start_days = cleaned.get("digest_start_offset_days")
        end_days = cleaned.get("digest_end_offset_days")
        for name, days in (
            ("digest_start_offset_days", start_days),
            ("digest_end_offset_days", end_days),
        ):
            if days is not None and not -7 <= days <= 14:
                self.add_error(name, _("Indica un numero di giorni tra -7 e 14."))
                return
        if start_days is None or end_days is None:
            return
        start = (start_days, cleaned.get("digest_start_time") or time(0, 0))
        end = (end_days, cleaned.get("digest_end_time") or time(23, 59))
        if end <= start:
            self.add_error(
                "digest_end_offset_days",
                _("Il periodo degli eventi finisce prima di cominciare."),
            )


class SkipForm(forms.Form):
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=200,
        help_text=_("Es. festività, lutto cittadino, periodo di silenzio elettorale."),
    )


class AdherencePeriodForm(forms.Form):
    """The period of the adherence figures: the last N weeks, or from/to dates."""

    settimane = forms.TypedChoiceField(
        label=_("Ultime"),
        choices=[
            ("4", _("4 settimane")),
            ("8", _("8 settimane")),
            ("13", _("3 mesi")),
            ("26", _("6 mesi")),
            ("52", _("1 anno")),
        ],
        coerce=int,
        required=False,
        empty_value=8,
        initial="8",
    )
    dal = forms.DateField(
        label=_("oppure dal"),
        required=False,
        validators=PLAUSIBLE_DATE,
        widget=date_input(),
    )
    al = forms.DateField(
        label=_("al"),
        required=False,
        validators=PLAUSIBLE_DATE,
        widget=date_input(),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("dal"), cleaned.get("al")
        if (start is None) != (end is None) and not self.errors:
            missing = "al" if end is None else "dal"
            self.add_error(missing, _("Indica entrambe le date, oppure nessuna."))
        elif start and end and end < start:
            self.add_error("al", _("La data di fine è prima della data di inizio."))
        return cleaned
