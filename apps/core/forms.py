"""Form helpers shared by every area (docs/forms.md).

Forms are drawn by the crispy-forms template pack ``templates/bootstrap_italia/``
(``{{ form|crispy }}``, or ``{{ form.x|as_crispy_field }}`` where a page lays fields out
itself), which gives every field its label, required marker, help and error texts tied to it.
"""

from django import forms
from django.utils.translation import gettext_lazy as _


def date_input(**attrs) -> forms.DateInput:
    """A native date picker; the value in ISO form, which is what it reads and sends."""
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def time_input(**attrs) -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time", **attrs}, format="%H:%M")


def widget_css_class(widget: forms.Widget) -> str | None:
    """The Bootstrap class for a widget; None for hidden inputs."""
    if widget.is_hidden:
        return None
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):  # CheckboxSelectMultiple too
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class AccessibleFormMixin:
    """Bootstrap classes on every widget, for the pages that still draw a widget with
    ``{{ field }}`` instead of the template pack (the media library's forms still carry it).
    The pack sets the same classes by itself.

    The accessible attributes need nothing here: Django gives a widget
    ``aria-describedby="<id>_helptext <id>_error"`` and ``aria-invalid="true"`` when it is drawn
    (``BoundField.build_widget_attrs``), the ids the template pack gives those texts.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = widget_css_class(field.widget)
            if css:
                field.widget.attrs.setdefault("class", css)


# The widest id any supported database stores (a signed 64-bit integer): SQLite raises
# OverflowError (a 500) on larger ones in an IN (...) query instead of finding nothing.
MAX_DB_ID = 2**63 - 1


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows that refuses, as a field error and before any query, more than
    ``max_choices`` ids (a forged request listing a million ids would otherwise become one
    enormous ``IN (...)``) and ids outside the database's integer range."""

    default_max_choices = 500

    def __init__(self, queryset, *, max_choices: int | None = None, **kwargs):
        super().__init__(queryset, **kwargs)
        self.max_choices = max_choices or self.default_max_choices

    def _check_values(self, value):
        if len(value) > self.max_choices:
            raise forms.ValidationError(
                _("Troppe voci scelte: al massimo %(n)s."),
                code="too_many",
                params={"n": self.max_choices},
            )
        for pk in value:
            try:
                number = int(str(pk))
            except (TypeError, ValueError):
                continue  # not a number: Django's own check reports it
            if abs(number) > MAX_DB_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)
