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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["class"] = "form-control"
        self.fields["consent"].widget.attrs["class"] = "form-check-input"
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"

    def full_clean(self):
        super().full_clean()
        # Errors tied to their fields for screen readers.
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = " ".join(
                filter(None, [attrs.get("aria-describedby", ""), f"id_{name}_error"])
            )
