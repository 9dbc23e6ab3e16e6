from django import forms
from django.utils.translation import gettext_lazy as _

CONSENT_TEXT = _(
    "Ho letto l'informativa sul trattamento dei dati personali e acconsento a ricevere "
    "la newsletter del Comune all'indirizzo indicato."
)


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Indirizzo email"),
        max_length=254,
        help_text=_("Ti invieremo un messaggio con un link per confermare l'iscrizione."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        required=True,
        error_messages={"required": _("Per iscriverti serve il tuo consenso.")},
    )
