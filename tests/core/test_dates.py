"""Dates in running text: Italian writes months and weekdays in lower case, English capitalises
them, and the calendar's weekday headers follow the interface language."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tests.factories import PostFactory

FRIDAY = datetime(2026, 12, 11, 10, 0, tzinfo=ZoneInfo("UTC"))  # 11:00 in Rome


def _render(value, fmt: str) -> str:
    template = Template('{% load pa_format %}{{ value|local_date:"' + fmt + '" }}')
    return template.render(Context({"value": value}))


def test_italian_dates_have_lower_case_names_in_local_time():
    with translation.override("it"):
        assert _render(FRIDAY, "l j F Y, H:i") == "venerdì 11 dicembre 2026, 11:00"
        assert _render(FRIDAY, "D j M") == "ven 11 dic"


def test_english_dates_keep_their_capitals():
    with translation.override("en"):
        assert _render(FRIDAY, "l j F Y") == "Friday 11 December 2026"


def test_an_empty_date_renders_as_nothing():
    assert _render(None, "l j F Y") == ""


@pytest.mark.django_db
def test_the_review_request_email_writes_the_date_in_lower_case():
    post = PostFactory(planned_at=FRIDAY)
    with translation.override("it"):
        text = render_to_string("review/email/submitted.txt", {"post": post})
    assert "Uscita prevista: venerdì 11 dicembre 2026, 11:00" in text


@pytest.mark.django_db
def test_the_crisis_banner_date_is_in_lower_case(rf, approver):
    from apps.crisis.models import Crisis

    crisis = Crisis.objects.create(reason="Allerta", declared_by=approver, declared_at=FRIDAY)
    with translation.override("it"):
        html = render_to_string("includes/crisis_banner.html", {"crisis": crisis})
    assert "il 11 dicembre 2026, 11:00" in html


@pytest.mark.django_db
def test_the_month_calendar_names_weekdays_in_the_interface_language(editor_client):
    url = reverse("planning:calendar") + "?vista=mese&data=2030-03-15"
    italian = editor_client.get(url).content.decode()
    assert '<th scope="col" class="text-center">Lunedì</th>' in italian
    editor_client.post(reverse("set_language"), {"language": "en", "next": url})
    english = editor_client.get(url).content.decode()
    assert '<th scope="col" class="text-center">Monday</th>' in english
    assert "Lunedì" not in english
