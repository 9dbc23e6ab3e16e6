from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.channels.models import Channel
from apps.core.forms import BoundedModelMultipleChoiceField
from apps.planning.models import ContentCategory

from .models import Blackout

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ScopeField(BoundedModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class ScopeForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Canali coinvolti"),
        choices=[("all", _("Tutti i canali")), ("chosen", _("Solo i canali scelti"))],
        initial="all",
        widget=forms.RadioSelect,
    )
    channels = ScopeField(
        label=_("Canali scelti"), queryset=Channel.objects.filter(active=True), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("scope") == "chosen" and not data.get("channels"):
            self.add_error("channels", _("Scegli almeno un canale, o indica «Tutti i canali»."))
        if data.get("scope") == "all":
            data["channels"] = []
        return data


class DeclareCrisisForm(ScopeForm):
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Es. «Allerta meteo rossa: esondazione del torrente». Comparirà nel banner."),
    )

    field_order = ["reason", "scope", "channels"]


class EndCrisisForm(forms.Form):
    note = forms.CharField(
        label=_("Nota di chiusura"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Cosa è successo e cosa resta da fare. I post sospesi non ripartono da soli."),
    )


class RescheduleForm(forms.Form):
    planned_at = forms.DateTimeField(
        label=_("Nuova data e ora"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )

    def clean_planned_at(self):
        value = self.cleaned_data["planned_at"]
        if value <= timezone.now():
            raise forms.ValidationError(_("Scegli un orario nel futuro."))
        return value


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Motivo dell'annullamento"), max_length=500, required=False)


BULK_ACTIONS = [
    ("resume", _("Riprendi all'orario originale")),
    ("reschedule", _("Riprogramma al nuovo orario")),
    ("cancel", _("Annulla")),
]


class BulkForm(forms.Form):
    action = forms.ChoiceField(label=_("Azione"), choices=BULK_ACTIONS)
    posts = forms.TypedMultipleChoiceField(label=_("Post"), coerce=int, choices=())
    planned_at = forms.DateTimeField(
        label=_("Nuova data e ora (per «Riprogramma»)"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        required=False,
    )
    reason = forms.CharField(label=_("Motivo (per «Annulla»)"), max_length=500, required=False)

    def __init__(self, *args, post_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posts"].choices = [(pk, pk) for pk in post_ids]
        self.fields["posts"].error_messages["required"] = _("Seleziona almeno un post.")

    def clean(self):
        data = super().clean()
        if data.get("action") == "reschedule":
            planned_at = data.get("planned_at")
            if planned_at is None:
                self.add_error("planned_at", _("Indica il nuovo orario."))
            elif planned_at <= timezone.now():
                self.add_error("planned_at", _("Scegli un orario nel futuro."))
        return data


class BlackoutForm(forms.ModelForm):
    channels = ScopeField(
        label=_("Canali coinvolti"),
        queryset=Channel.objects.all(),
        required=False,
        help_text=_("Nessuna scelta: tutti i canali."),
    )
    allowed_categories = ScopeField(
        label=_("Categorie ammesse"),
        queryset=ContentCategory.objects.filter(active=True),
        required=False,
        help_text=_("Le categorie che possono comunque uscire (es. avvisi di servizio)."),
    )

    class Meta:
        model = Blackout
        fields = ["kind", "reason", "starts_at", "ends_at", "channels", "allowed_categories"]
        widgets = {"starts_at": DATETIME_INPUT, "ends_at": DATETIME_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        # Words instead of Django's "---------" for the choice still to be made.
        kinds = [choice for choice in self.fields["kind"].choices if choice[0]]
        self.fields["kind"].choices = [("", _("Scegli il tipo di periodo")), *kinds]

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("La fine deve venire dopo l'inizio."))
        return data
