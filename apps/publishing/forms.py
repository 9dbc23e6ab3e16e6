from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.validators import WebURLField


class ResolveCheckForm(forms.Form):
    """A person's verdict on a send whose outcome was unknown."""

    outcome = forms.ChoiceField(
        label=_("Esito verificato sul canale"),
        choices=[("sent", _("Pubblicato")), ("failed", _("Non pubblicato"))],
    )
    url = WebURLField(label=_("Indirizzo pubblico (se pubblicato)"), required=False)
