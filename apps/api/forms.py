from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.forms import date_input

from .enums import Scope

MAX_YEARS = 2


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nome"),
        max_length=100,
        help_text=_("A cosa serve, es. «Intranet dell'ufficio»: compare nel registro attività."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Permessi"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Mai più di quanto il tuo ruolo permette nelle pagine."),
        error_messages={"required": _("Scegli almeno un permesso.")},
    )
    expires_on = forms.DateField(
        label=_("Scade il"),
        required=False,
        widget=date_input(),
        help_text=_("Consigliata. Il token smette di funzionare alla fine di quel giorno."),
    )

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(_("Scegli oggi o un giorno futuro."))
        if day > today + timedelta(days=366 * MAX_YEARS):
            raise forms.ValidationError(_("Al massimo due anni da oggi."))
        return day

    def expires_at(self):
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        # The end of that local day: the start of the next one.
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time(0)))
