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
    # "l'11", not "il 11": Italian elides the article before a day read with a vowel.
    assert "l&#x27;11 dicembre 2026, 11:00." in html
    assert "il 11" not in html


def _with_article(value, fmt: str) -> str:
    template = Template('{% load pa_format %}{{ value|local_date_with_article:"' + fmt + '" }}')
    return template.render(Context({"value": value}))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (1, "l'1 marzo"),
        (8, "l'8 marzo"),
        (11, "l'11 marzo"),
        (2, "il 2 marzo"),
        (12, "il 12 marzo"),
        (18, "il 18 marzo"),
        (21, "il 21 marzo"),
        (28, "il 28 marzo"),
        (31, "il 31 marzo"),
    ],
)
def test_an_italian_date_in_a_sentence_takes_the_article_its_day_number_needs(day, expected):
    noon = datetime(2030, 3, day, 11, 0, tzinfo=ZoneInfo("UTC"))
    with translation.override("it"):
        assert _with_article(noon, "j F").replace("&#x27;", "'") == expected


def test_an_english_date_in_a_sentence_has_no_article():
    with translation.override("en"):
        assert _with_article(FRIDAY, "j F Y") == "11 December 2026"
    assert _with_article(None, "j F") == ""


@pytest.mark.django_db
def test_the_month_calendar_names_weekdays_in_the_interface_language(editor_client):
    url = reverse("planning:calendar") + "?vista=mese&data=2030-03-15"
    italian = editor_client.get(url).content.decode()
    assert '<th scope="col" class="text-center">Lunedì</th>' in italian
    editor_client.post(reverse("set_language"), {"language": "en", "next": url})
    english = editor_client.get(url).content.decode()
    assert '<th scope="col" class="text-center">Monday</th>' in english
    assert "Lunedì" not in english
