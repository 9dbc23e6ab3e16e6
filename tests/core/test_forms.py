"""The form template pack (templates/bootstrap_italia/, crispy-forms) and apps/core/forms.py."""

import re

import pytest
from crispy_forms.helper import FormHelper
from django import forms
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from apps.channels.models import Channel
from apps.core.forms import AccessibleFormMixin, BoundedModelMultipleChoiceField
from tests.factories import ChannelFactory


class SampleForm(forms.Form):
    name = forms.CharField(label="Nome", help_text="Come ti chiami.")
    kind = forms.ChoiceField(label="Tipo", choices=[("a", "A"), ("b", "B")])
    days = forms.MultipleChoiceField(
        label="Giorni", choices=[("1", "Lun")], widget=forms.CheckboxSelectMultiple
    )
    agree = forms.BooleanField(label="Accetto")
    note = forms.CharField(label="Nota", required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)


VALID = {"name": "Ada", "kind": "a", "days": ["1"], "agree": "on"}


def _render(form, name) -> str:
    template = Template("{% load crispy_forms_tags %}{{ field|as_crispy_field }}")
    return template.render(Context({"field": form[name]}))


def _render_form(form) -> str:
    return Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(Context({"form": form}))


def _tag(html: str, tag: str) -> str:
    return re.search(rf"<{tag}\b[^>]*>", html).group(0)


def test_widgets_are_drawn_with_the_bootstrap_class_of_their_kind():
    form = SampleForm()
    assert 'class="form-control"' in _tag(_render(form, "name"), "input")
    assert 'class="form-select"' in _tag(_render(form, "kind"), "select")
    assert 'class="form-check-input"' in _tag(_render(form, "days"), "input")
    assert 'class="form-check-input"' in _tag(_render(form, "agree"), "input")
    assert _render(form, "token").strip() == '<input type="hidden" name="token" id="id_token">'


def test_a_class_the_form_gives_its_widget_is_kept():
    form = SampleForm()
    form.fields["name"].widget.attrs["class"] = "form-control font-monospace"
    assert 'class="form-control font-monospace"' in _tag(_render(form, "name"), "input")


def test_an_error_is_tied_to_its_field_after_the_help_text():
    form = SampleForm(data={**VALID, "name": ""})
    assert not form.is_valid()
    html = _render(form, "name")
    field = _tag(html, "input")
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_name_helptext id_name_error"' in field
    assert '<div id="id_name_helptext" class="form-text">Come ti chiami.</div>' in html
    assert '<div id="id_name_error" class="invalid-feedback d-block">' in html


def test_an_error_added_by_the_view_after_validation_is_tied_too():
    form = SampleForm(data=VALID)
    assert form.is_valid()
    form.add_error("note", "Il servizio ha rifiutato la nota.")
    field = _tag(_render(form, "note"), "input")
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_note_error"' in field


def test_a_prefixed_form_keeps_ids_unique_and_matching():
    form = SampleForm(data={}, prefix="second")
    form.is_valid()
    html = _render(form, "name")
    described = re.search(r'aria-describedby="([^"]+)"', html).group(1).split()
    assert described == ["id_second-name_helptext", "id_second-name_error"]
    for element_id in described:
        assert f'id="{element_id}"' in html


def test_a_corrected_field_is_no_longer_marked_invalid():
    form = SampleForm(data=VALID)
    assert form.is_valid()
    field = _tag(_render(form, "name"), "input")
    assert "aria-invalid" not in field
    assert 'aria-describedby="id_name_helptext"' in field


def test_a_choice_group_is_a_fieldset_described_as_a_whole():
    form = SampleForm(data={**VALID, "days": []})
    form.is_valid()
    html = _render(form, "days")
    assert '<fieldset class="mb-3" aria-describedby="id_days_error">' in html
    assert re.search(r"<legend class=\"h6\">Giorni <span aria-hidden=\"true\">\*</span>", html)
    assert '<div id="id_days_error" class="invalid-feedback d-block">' in html
    choice = _tag(html, "input")
    assert "aria-describedby" not in choice
    assert 'id="id_days_0"' in choice and '<label for="id_days_0">Lun</label>' in html


def test_required_fields_say_so_to_screen_readers_and_optional_ones_do_not():
    form = SampleForm()
    agree = _render(form, "agree")
    assert (
        '<label for="id_agree">Accetto <span aria-hidden="true">*</span>'
        '<span class="visually-hidden">(obbligatorio)</span></label>'
    ) in agree
    assert "(obbligatorio)" not in _render(form, "note")


def test_the_whole_form_draws_every_field_in_order_and_leaves_errors_to_the_summary():
    form = SampleForm(data={})
    form.is_valid()
    form.add_error(None, "Salvataggio rifiutato.")
    html = _render_form(form)
    ids = re.findall(r'<(?:input|select)\b[^>]*\bid="(id_\w+?)(?:_0)?"', html)
    assert ids == ["id_name", "id_kind", "id_days", "id_agree", "id_note", "id_token"]
    assert "Salvataggio rifiutato." not in html  # templates/includes/error_summary.html lists it


def test_the_mixin_still_classes_widgets_drawn_without_the_pack():
    class EditorForm(AccessibleFormMixin, SampleForm):
        pass

    fields = EditorForm().fields
    assert fields["name"].widget.attrs["class"] == "form-control"
    assert fields["kind"].widget.attrs["class"] == "form-select"
    assert fields["days"].widget.attrs["class"] == "form-check-input"
    assert "class" not in fields["token"].widget.attrs
    assert "aria-describedby" not in fields["name"].widget.attrs


class ChannelsForm(forms.Form):
    channels = BoundedModelMultipleChoiceField(Channel.objects.all(), max_choices=3)


@pytest.mark.django_db
def test_a_bounded_choice_refuses_more_ids_than_its_cap_without_a_query():
    form = ChannelsForm(data={"channels": ["1", "2", "3", "4"]})
    with CaptureQueriesContext(connection) as queries:
        assert not form.is_valid()
    assert form.errors["channels"] == ["Troppe voci scelte: al massimo 3."]
    assert len(queries) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("huge", [str(2**63), str(-(2**63) - 1), "9" * 40])
def test_a_bounded_choice_refuses_ids_beyond_the_database_range(huge):
    form = ChannelsForm(data={"channels": [huge]})
    with CaptureQueriesContext(connection) as queries:
        assert not form.is_valid()
    assert form.errors["channels"] == [f'"{huge}" non è un valore valido.']
    assert len(queries) == 0


@pytest.mark.django_db
def test_a_bounded_choice_accepts_existing_rows_up_to_its_cap():
    channels = ChannelFactory.create_batch(3)
    form = ChannelsForm(data={"channels": [str(c.pk) for c in channels]})
    assert form.is_valid()
    assert sorted(form.cleaned_data["channels"], key=lambda c: c.pk) == channels


def test_the_crispy_tag_draws_the_form_element_and_the_same_fields():
    form = SampleForm(data={})
    form.is_valid()
    html = Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))
    assert html.strip().startswith('<form method="post">')
    assert html.strip().endswith("</form>")
    assert _render(form, "name").strip() in html


def test_the_crispy_tag_keeps_the_attributes_the_helper_gives_the_form():
    form = SampleForm()
    form.helper = FormHelper()
    form.helper.form_id, form.helper.form_action = "sample", "/invia/"
    html = Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))
    assert html.strip().startswith('<form action="/invia/" id="sample" method="post">')
