from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from apps.core.forms import time_input

from .enums import DEFAULT_DELIVERY, Delivery, Kind
from .services import delivery_for


class PreferencesForm(forms.Form):
    """One choice per kind (in app only, email at once, daily digest) and the quiet hours."""

    quiet_from = forms.TimeField(
        label=_("Nessuna email dalle"), required=False, widget=time_input()
    )
    quiet_until = forms.TimeField(
        label=_("alle"),
        required=False,
        widget=time_input(),
        help_text=_(
            "Ore di silenzio, per esempio dalle 20:00 alle 08:00: le email di quelle ore "
            "arrivano alla fine del silenzio, nessuna va persa. Lascia vuoto per riceverle "
            "sempre."
        ),
    )

    def __init__(self, *args, prefs=None, **kwargs):
        initial = kwargs.pop("initial", None) or {}
        if prefs is not None:
            initial.setdefault("quiet_from", prefs.quiet_from)
            initial.setdefault("quiet_until", prefs.quiet_until)
        super().__init__(*args, initial=initial, **kwargs)
        kinds = {}
        for kind in Kind:
            kinds[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=delivery_for(prefs, kind) if prefs is not None else DEFAULT_DELIVERY,
                widget=forms.RadioSelect,
            )
        # The kinds first, then the quiet hours.
        self.fields = {**kinds, **self.fields}

    def kind_fields(self):
        return [self[kind.value] for kind in Kind]

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_from"), data.get("quiet_until")
        if (start is None) != (end is None) and not self.errors:
            field = "quiet_until" if end is None else "quiet_from"
            self.add_error(field, _("Indica sia l'inizio sia la fine delle ore di silenzio."))
        elif start is not None and start == end:
            self.add_error("quiet_until", _("L'inizio e la fine del silenzio coincidono."))
        return data

    def choices(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[kind.value] for kind in Kind}


MENTION_HELP = _("Scrivi @ e il nome di un collega per menzionarlo: riceverà una notifica.")


def mention_attrs() -> dict:
    """The attributes that make a textarea suggest colleagues after "@"
    (``static/js/notifications.js``): where to ask, and the words it says."""
    return {
        "data-mention-source": reverse_lazy("notifications:people"),
        "data-mention-label": _("Colleghi da menzionare"),
        "data-mention-count": _(
            "Colleghi trovati: %s. Frecce su e giù per scegliere, Invio per inserire."
        ),
        "data-mention-none": _("Nessun collega con questo nome."),
        "data-mention-chosen": _("Menzionato: %s"),
    }
