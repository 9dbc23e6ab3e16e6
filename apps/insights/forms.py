from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.channels.models import Channel
from apps.core.forms import date_input
from apps.planning.models import Campaign, ContentCategory
from apps.slots.models import Slot

from .reports import MAX_DAYS, PERIODS, Filters, Period, staff_authors


def _plausible(value: date) -> None:
    if not 2000 <= value.year <= 2100:
        raise forms.ValidationError(_("Indica una data tra il 2000 e il 2100."))


class ReportFilterForm(forms.Form):
    """The period and the filters of the "Risultati" page (a GET form: the address can be
    bookmarked and sent to a colleague)."""

    periodo = forms.ChoiceField(
        label=_("Periodo"), choices=list(PERIODS.items()), required=False, initial="month"
    )
    giorno = forms.DateField(
        label=_("Che comprende il giorno"),
        required=False,
        validators=[_plausible],
        widget=date_input(),
        help_text=_("Settimana, mese, trimestre o anno di questo giorno (oggi se vuoto)."),
    )
    dal = forms.DateField(
        label=_("Dal"), required=False, validators=[_plausible], widget=date_input()
    )
    al = forms.DateField(
        label=_("Al"), required=False, validators=[_plausible], widget=date_input()
    )
    canale = forms.ModelChoiceField(
        label=_("Canale"), queryset=Channel.objects.order_by("name"), required=False
    )
    categoria = forms.ModelChoiceField(
        label=_("Categoria"),
        queryset=ContentCategory.objects.order_by("position", "name"),
        required=False,
    )
    rubrica = forms.ModelChoiceField(
        label=_("Rubrica"), queryset=Slot.objects.order_by("name"), required=False
    )
    autore = forms.ModelChoiceField(label=_("Autore"), queryset=None, required=False)
    campagna = forms.ModelChoiceField(
        label=_("Campagna"),
        queryset=Campaign.objects.order_by("-starts_on", "name"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["autore"].queryset = staff_authors()
        self.fields["autore"].label_from_instance = lambda u: u.get_full_name() or u.username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("periodo") == "custom" and not self.errors:
            start, end = cleaned.get("dal"), cleaned.get("al")
            if not start or not end:
                self.add_error("al" if start else "dal", _("Indica entrambe le date."))
            elif end < start:
                self.add_error("al", _("La data di fine è prima della data di inizio."))
            elif (end - start).days > MAX_DAYS:
                self.add_error("al", _("Scegli un periodo di al massimo 400 giorni."))
        return cleaned

    def period(self) -> Period:
        """The chosen period; this month when the form is empty or wrong."""
        today = timezone.localdate()
        if not self.is_bound or not self.is_valid():
            return Period.around("month", today)
        data = self.cleaned_data
        kind = data.get("periodo") or "month"
        if kind == "custom":
            return Period(data["dal"], data["al"], "custom")
        return Period.around(kind, data.get("giorno") or today)

    def filters(self) -> Filters:
        if not self.is_bound or not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            channel=data["canale"].pk if data.get("canale") else None,
            category=data["categoria"].pk if data.get("categoria") else None,
            rubrica=data["rubrica"].pk if data.get("rubrica") else None,
            author=data["autore"].pk if data.get("autore") else None,
            campaign=data["campagna"].pk if data.get("campagna") else None,
        )


def shifted(period: Period, direction: int) -> Period:
    """The period before (-1) or after (+1) of the same kind."""
    if period.kind == "custom":
        length = (period.end - period.start).days + 1
        delta = timedelta(days=length * direction)
        return Period(period.start + delta, period.end + delta, "custom")
    anchor = period.start - timedelta(days=1) if direction < 0 else period.end + timedelta(days=1)
    return Period.around(period.kind, anchor)
