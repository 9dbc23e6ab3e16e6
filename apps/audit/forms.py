from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .labels import action_label
from .selectors import known_actions


class AuditFilterForm(forms.Form):
    chi = forms.ModelChoiceField(
        label=_("Chi"),
        queryset=User.objects.order_by("username"),
        required=False,
        empty_label=_("Tutti"),
    )
    azione = forms.ChoiceField(label=_("Azione"), required=False)
    dal = forms.DateField(
        label=_("Dal giorno"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    al = forms.DateField(
        label=_("Al giorno (compreso)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    post = forms.IntegerField(label=_("Numero del post"), required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["azione"].choices = [("", _("Tutte"))] + [
            (code, f"{action_label(code)} ({code})" if action_label(code) != code else code)
            for code in known_actions()
        ]

    # Dates far from today cannot name an entry, and at the edges of the calendar the
    # conversion to a time range overflows.
    EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)

    def _in_range(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and not self.EARLIEST <= value <= self.LATEST:
            raise forms.ValidationError(_("Scegli una data tra il 1900 e il 9998."))
        return value

    def clean_dal(self):
        return self._in_range("dal")

    def clean_al(self):
        return self._in_range("al")

    def clean(self):
        data = super().clean()
        if data.get("dal") and data.get("al") and data["al"] < data["dal"]:
            self.add_error("al", _("La data finale viene prima di quella iniziale."))
        return data

    def filters(self) -> dict:
        """Keyword arguments for ``selectors.entries``; invalid fields are ignored."""
        if not self.is_bound:
            return {}
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        zone = timezone.get_current_timezone()
        result = {}
        if data.get("chi"):
            result["actor_id"] = data["chi"].pk
        if data.get("azione"):
            result["action"] = data["azione"]
        if data.get("dal") and "dal" not in self.errors:
            result["since"] = datetime.combine(data["dal"], time(0), tzinfo=zone)
        if data.get("al") and "al" not in self.errors:
            result["until"] = datetime.combine(data["al"] + timedelta(days=1), time(0), tzinfo=zone)
        if data.get("post"):
            result["post_id"] = data["post"]
        return result
