"""Form helpers shared by every area: Bootstrap Italia classes and accessible errors.

Pair ``AccessibleFormMixin`` with ``templates/includes/field.html``: the template gives the help
text the id ``<auto_id>_helptext`` and the error text ``<auto_id>_error`` (Django's own names,
so a prefixed form keeps unique ids), and the mixin points each widget at them.
"""

from django import forms


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
    """Bootstrap classes on every widget; help and error text tied to their fields.

    After validation a field with errors gets ``aria-invalid="true"`` and an
    ``aria-describedby`` naming its help text first, then its error text (the order a screen
    reader reads them). Choice groups (radio buttons, checkbox lists) are described on their
    ``<fieldset>`` by the template instead.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = widget_css_class(field.widget)
            if css:
                field.widget.attrs.setdefault("class", css)
        self._describe_fields()

    def _describe_fields(self) -> None:
        errors = getattr(self, "_errors", None) or {}
        for name, field in self.fields.items():
            attrs = field.widget.attrs
            auto_id = self._field_id(name)
            if field.widget.is_hidden or not auto_id:
                continue
            ids = []
            if field.help_text:
                ids.append(f"{auto_id}_helptext")
            if name in errors:
                ids.append(f"{auto_id}_error")
                attrs["aria-invalid"] = "true"
            else:
                attrs.pop("aria-invalid", None)
            if ids and not field.widget.use_fieldset:
                attrs["aria-describedby"] = " ".join(ids)
            else:
                attrs.pop("aria-describedby", None)

    def _field_id(self, name: str) -> str:
        """``BoundField.auto_id`` without creating (and caching) the bound field: a subclass
        may still replace the field after this mixin's ``__init__``."""
        auto_id, html_name = self.auto_id, self.add_prefix(name)
        if auto_id and "%s" in str(auto_id):
            return str(auto_id) % html_name
        return html_name if auto_id else ""

    def full_clean(self):
        super().full_clean()
        self._describe_fields()
