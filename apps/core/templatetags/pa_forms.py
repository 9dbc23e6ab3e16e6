"""Tags of the form template pack (templates/bootstrap_italia/) and the error summary.

``field_widget`` and ``choice_input`` draw a widget with its Bootstrap Italia class, so a form
needs no mixin to look right; the accessible attributes (``aria-describedby`` naming the help
and error texts, ``aria-invalid``) are Django's own (``BoundField.build_widget_attrs``).

The error summary shown above a form after a failed save (templates/includes/error_summary.html):
each field error becomes a link to its field, so a person can jump from the summary straight to
what needs fixing (WCAG 3.3.1); errors that belong to no visible field are listed as text.
"""

from django import forms, template
from django.utils.translation import gettext as _

from apps.core.forms import widget_css_class

register = template.Library()


@register.simple_tag
def field_widget(field: forms.BoundField) -> str:
    """The field's widget, with the Bootstrap class of its kind unless it names its own."""
    css = None if field.field.widget.attrs.get("class") else widget_css_class(field.field.widget)
    return field.as_widget(attrs={"class": css} if css else None)


@register.simple_tag
def choice_input(choice) -> str:
    """One radio button or checkbox of a group (a ``BoundWidget``), without its label."""
    attrs = {"class": "form-check-input", **choice.data["attrs"]}
    context = {"widget": {**choice.data, "attrs": attrs, "wrap_label": False}}
    return choice.parent_widget._render(choice.template_name, context, choice.renderer)


def _form_items(form: forms.BaseForm, group: str = "") -> list[dict]:
    items = []
    if form.non_field_errors():
        items.append({"href": "", "label": "", "message": " ".join(form.non_field_errors())})
    for name, errors in form.errors.items():
        message = " ".join(str(e) for e in errors)
        if name == forms.forms.NON_FIELD_ERRORS or name not in form.fields:
            continue
        bound = form[name]
        # A group of radio buttons or checkboxes has no label target: link its first choice.
        target = bound.id_for_label
        if not target and bound.auto_id and bound.subwidgets:
            target = bound.subwidgets[0].id_for_label
        if bound.is_hidden:
            items.append({"href": "", "label": "", "message": message})
            continue
        label = f"{group} · {bound.label or name}" if group else str(bound.label or name)
        items.append({"href": f"#{target}" if target else "", "label": label, "message": message})
    return items


@register.simple_tag
def error_summary_items(*forms_or_formsets) -> list[dict]:
    """The errors of forms and formsets (``None`` skipped) in page order, as
    ``[{"href": "#id_title", "label": "Titolo", "message": "..."}]``; within each form the
    errors of no field (a refused save, a conflict) come first. Formset items are labelled
    "Immagine n": the post editor's images are the only formsets in a summary."""
    items = []
    for thing in forms_or_formsets:
        if thing is None or thing == "":
            continue
        if isinstance(thing, forms.BaseFormSet):
            items += [{"href": "", "label": "", "message": str(e)} for e in thing.non_form_errors()]
            for number, form in enumerate(thing.forms, start=1):
                items += _form_items(form, group=_("Immagine %(n)s") % {"n": number})
        else:
            items += _form_items(thing)
    return items
