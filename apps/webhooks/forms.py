from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.validators import WebURLField

from . import services
from .enums import EventType


class WebhookForm(forms.Form):
    name = forms.CharField(
        label=_("Nome"),
        max_length=100,
        help_text=_("Chi riceve, es. «App del Comune»."),
    )
    url = WebURLField(
        label=_("Indirizzo del ricevitore"),
        max_length=500,
        help_text=_("Un indirizzo https pubblico: le reti interne del Comune non sono ammesse."),
    )
    events = forms.MultipleChoiceField(
        label=_("Eventi"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Scegli almeno un evento.")},
    )

    def clean_url(self):
        try:
            return services.check_url(self.cleaned_data["url"])
        except services.WebhookError as exc:
            raise forms.ValidationError(str(exc)) from None
