"""The error summary after a failed save: every field error links to its field."""

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse

from apps.core.forms import AccessibleFormMixin
from apps.core.templatetags.pa_forms import error_summary_items
from tests.factories import ChannelFactory


class SampleForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(label="Nome")
    days = forms.MultipleChoiceField(
        label="Giorni", choices=[("1", "Lun")], widget=forms.CheckboxSelectMultiple
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError("Il modulo è cambiato nel frattempo.")


ImageFormSet = forms.formset_factory(SampleForm, extra=0)


def test_each_field_error_links_to_its_field_and_errors_of_the_whole_form_come_first():
    form = SampleForm(data={})
    assert not form.is_valid()
    assert error_summary_items(form) == [
        {"href": "", "label": "", "message": "Il modulo è cambiato nel frattempo."},
        {"href": "#id_name", "label": "Nome", "message": "Questo campo è obbligatorio."},
        {"href": "#id_days_0", "label": "Giorni", "message": "Questo campo è obbligatorio."},
        {"href": "", "label": "", "message": "Questo campo è obbligatorio."},  # hidden: no link
    ]


def test_formset_errors_say_which_item_they_belong_to():
    formset = ImageFormSet(
        data={"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-token": "x"}
    )
    assert not formset.is_valid()
    linked = [item for item in error_summary_items(None, formset) if item["href"]]
    assert linked[0] == {
        "href": "#id_form-0-name",
        "label": "Immagine 1 · Nome",
        "message": "Questo campo è obbligatorio.",
    }


def test_the_summary_is_a_focus_target_with_one_link_per_field_error():
    form = SampleForm(data={"token": "x", "days": ["1"]})
    assert not form.is_valid()
    html = render_to_string("includes/error_summary.html", {"form": form})
    assert 'id="form-errors"' in html and 'tabindex="-1"' in html and "data-error-summary" in html
    assert html.count("data-error-link") == 1
    assert '<a href="#id_name" data-error-link>Nome: Questo campo è obbligatorio.</a>' in html


@pytest.mark.django_db
def test_a_failed_post_save_links_the_summary_to_the_title_field(editor_client):
    channel = ChannelFactory()
    response = editor_client.post(
        reverse("planning:post_create"),
        {
            "title": "",
            "channels": [channel.pk],
            "nuove-TOTAL_FORMS": "0",
            "nuove-INITIAL_FORMS": "0",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('id="form-errors"') == 1
    assert '<a href="#id_title" data-error-link>' in body


def test_a_choice_group_without_choices_is_named_but_not_linked():
    form = SampleForm(data={"token": "x"})
    form.fields["days"].choices = []
    assert not form.is_valid()
    assert {"href": "", "label": "Giorni", "message": "Questo campo è obbligatorio."} in (
        error_summary_items(form)
    )
