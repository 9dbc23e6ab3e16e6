"""The audit list's «Dettagli»: an entry's before/after as labelled values in the office's
language and local time. The raw JSON stays in the database and in the CSV export.

Labels, choice names and related objects come from the audited model itself (its fields'
``verbose_name``, ``choices`` and relations), found through the app registry by the entry's
``object_type``: audit sits below every app that records into it and imports none of them.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.templatetags.pa_format import local_date

ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
VALUE_LIMIT = 80
# Keys of snapshots that are not model fields (derived lists and sums).
EXTRA_LABELS = {
    "channels": gettext_lazy("canali"),
    "variants": gettext_lazy("testi per canale"),
    "images": gettext_lazy("immagini"),
    "scope": gettext_lazy("canali interessati"),
    "paused_posts": gettext_lazy("post sospesi"),
    "state": gettext_lazy("stato"),
}
# Labels that differ from the model's verbose_name ("registro" names the audit log itself).
LABEL_OVERRIDES = {"formality": gettext_lazy("formalità")}
# Derived keys that hold ids of another model.
EXTRA_RELATIONS = {"channels": "channels.Channel"}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _model(object_type: str):
    try:
        return apps.get_model(object_type) if object_type else None
    except (LookupError, ValueError):
        return None


def _field(model, key: str):
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    # A reverse relation (a post's "variants", "images") is not a field with a label or
    # choices: such keys are labelled from EXTRA_LABELS.
    return None if field.auto_created and not field.concrete else field


def _label(field, key: str) -> str:
    if key in LABEL_OVERRIDES:
        return str(LABEL_OVERRIDES[key])
    # A field without a verbose_name of its own gets its (English) name: not a label.
    if field is not None and str(field.verbose_name) != key.replace("_", " "):
        return str(field.verbose_name)
    return str(EXTRA_LABELS.get(key, key.replace("_", " ")))


def _related_model(field, key: str):
    if field is not None and field.is_relation:
        return field.related_model
    label = EXTRA_RELATIONS.get(key)
    return apps.get_model(label) if label else None


def _ids(value) -> list:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return []


def _short(text: str) -> str:
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _format(value, *, choices: dict, names: dict) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("sì") if value else _("no")
    if isinstance(value, list):
        return _short(", ".join(_format(v, choices=choices, names=names) for v in value))
    if isinstance(value, dict):
        parts = (f"{k}: {_format(v, choices=choices, names=names)}" for k, v in value.items())
        return _short("; ".join(parts))
    if names and isinstance(value, int) and value in names:
        return names[value]
    if value == "*":
        return _("tutti i canali")
    text = str(value)
    if text in choices:
        return str(choices[text])
    if isinstance(value, str) and ISO_DATETIME.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return _short(text)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return local_date(moment, "l j F Y, H:i")
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return local_date(date.fromisoformat(value), "j F Y")
        except ValueError:
            return _short(text)
    return _short(text)


def _as_dict(value) -> dict:
    if value is None:
        return {}
    return value if isinstance(value, dict) else {"valore": value}


def describe(entries) -> dict[int, list[Change]]:
    """For each entry id, its changed values as ``Change(label, before, after)``: keys whose
    value differs (all keys when there is no "before"). One query per related model for the
    whole list, whatever its length."""
    plans = []
    wanted: dict = {}  # related model -> ids to name
    for entry in entries:
        # A value that is not a dict (no service writes one today) is shown under one key.
        before = _as_dict(entry.before)
        after = _as_dict(entry.after)
        model = _model(entry.object_type)
        keys = list(dict.fromkeys([*before, *after]))
        rows = []
        for key in keys:
            old, new = before.get(key), after.get(key)
            if before and after and old == new:
                continue
            field = _field(model, key)
            related = _related_model(field, key)
            if related is not None:
                wanted.setdefault(related, set()).update(_ids(old) + _ids(new))
            choices = dict(field.flatchoices) if field is not None and field.choices else {}
            rows.append((key, field, related, choices, old, new))
        plans.append((entry.pk, rows))
    names = {
        model: {pk: str(obj) for pk, obj in model._default_manager.in_bulk(ids).items()}
        for model, ids in wanted.items()
        if ids
    }
    result = {}
    for pk, rows in plans:
        changes = []
        for key, field, related, choices, old, new in rows:
            known = names.get(related, {}) if related is not None else {}
            changes.append(
                Change(
                    label=_label(field, key),
                    before=_format(old, choices=choices, names=known),
                    after=_format(new, choices=choices, names=known),
                )
            )
        result[pk] = changes
    return result
