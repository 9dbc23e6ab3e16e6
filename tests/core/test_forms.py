"""The shared form helpers: apps/core/forms.py with templates/includes/field.html."""

import re

from django import forms
from django.template.loader import render_to_string

from apps.core.forms import AccessibleFormMixin


class SampleForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(label="Nome", help_text="Come ti chiami.")
    kind = forms.ChoiceField(label="Tipo", choices=[("a", "A"), ("b", "B")])
    days = forms.MultipleChoiceField(
        label="Giorni", choices=[("1", "Lun")], widget=forms.CheckboxSelectMultiple
    )
    agree = forms.BooleanField(label="Accetto")
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def _render(form, name) -> str:
    return render_to_string("includes/field.html", {"field": form[name]})


def test_widgets_get_the_bootstrap_class_of_their_kind():
    fields = SampleForm().fields
    assert fields["name"].widget.attrs["class"] == "form-control"
    assert fields["kind"].widget.attrs["class"] == "form-select"
    assert fields["days"].widget.attrs["class"] == "form-check-input"
    assert fields["agree"].widget.attrs["class"] == "form-check-input"
    assert "class" not in fields["token"].widget.attrs


def test_an_error_is_tied_to_its_field_after_the_help_text():
    form = SampleForm(data={"kind": "a", "days": ["1"], "agree": "on"})
    assert not form.is_valid()
    html = _render(form, "name")
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'id="id_name_helptext"' in html and 'id="id_name_error"' in html


def test_a_prefixed_form_keeps_ids_unique_and_matching():
    form = SampleForm(data={}, prefix="second")
    form.is_valid()
    html = _render(form, "name")
    described = re.search(r'aria-describedby="([^"]+)"', html).group(1).split()
    assert described == ["id_second-name_helptext", "id_second-name_error"]
    for element_id in described:
        assert f'id="{element_id}"' in html


def test_a_corrected_field_is_no_longer_marked_invalid():
    form = SampleForm(data={})
    form.is_valid()
    form.data = {"name": "Ada", "kind": "a", "days": ["1"], "agree": "on"}
    form.full_clean()
    assert "aria-invalid" not in form.fields["name"].widget.attrs
    assert form.fields["name"].widget.attrs["aria-describedby"] == "id_name_helptext"


def test_a_choice_group_is_a_fieldset_described_as_a_whole():
    form = SampleForm(data={"name": "Ada", "kind": "a", "agree": "on"})
    form.is_valid()
    html = _render(form, "days")
    assert '<fieldset class="mb-3" aria-describedby="id_days_error">' in html
    assert "<legend" in html
    assert "aria-describedby" not in form.fields["days"].widget.attrs


def test_required_fields_say_so_to_screen_readers():
    html = _render(SampleForm(), "agree")
    assert '<label for="id_agree">' in html
    assert "(obbligatorio)" in html
