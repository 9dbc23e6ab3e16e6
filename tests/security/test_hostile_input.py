"""Hostile input cannot stop the office: oversized texts, hostile links, polyglot images,
mailbox floods, formula cells. Each test reads as the rule it holds the app to."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.core.validators import validate_web_or_mailto_url, validate_web_url
from apps.events.models import Event, EventCategory
from apps.planning.models import Post
from tests.factories import CategoryFactory, ChannelFactory

pytestmark = pytest.mark.django_db


# --- Live checks: the input is capped before any analysis -----------------------------------


def test_the_live_check_refuses_to_analyse_a_text_longer_than_a_post_can_be(
    editor_client, monkeypatch
):
    channel = ChannelFactory(kind=ChannelKind.X)
    analysed = []
    monkeypatch.setattr(
        "apps.planning.views.analyse_variant", lambda *args, **kw: analysed.append(args)
    )
    response = editor_client.post(
        reverse("planning:check_variant"),
        {"channel": channel.pk, f"variant_{channel.pk}": "." * 50_001 + "x"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert analysed == []
    assert "50002 caratteri su 280" in body
    assert "Testo oltre i 50.000 caratteri: non si può salvare" in body


def test_the_live_check_of_an_overlong_base_text_says_so_without_scoring_it(
    editor_client, monkeypatch
):
    analysed = []
    monkeypatch.setattr("apps.planning.views.analyse_base_text", lambda text: analysed.append(text))
    response = editor_client.post(
        reverse("planning:check_variant"), {"channel": "base", "base_text": "!" * 60_000}
    )
    body = response.content.decode()
    assert response.status_code == 200 and analysed == []
    assert "Testo oltre i 50.000 caratteri" in body


def test_a_text_at_the_cap_is_still_checked(editor_client):
    channel = ChannelFactory(kind=ChannelKind.X)
    response = editor_client.post(
        reverse("planning:check_variant"),
        {"channel": channel.pk, f"variant_{channel.pk}": "a" * 50_000},
    )
    body = response.content.decode()
    assert "50000 caratteri su 280" in body and "Testo troppo lungo" in body


# --- Links: only http and https, everywhere a URL is typed ----------------------------------

HOSTILE_LINKS = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt://comune.esempio.it/%0Aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "ftp://files.esempio.it/avviso.pdf",
    "file:///etc/passwd",
    "https://comune.esempio.it/\u202eavviso",
]


def _post_data(channel, **overrides) -> dict:
    data = {
        "title": "Chiusura anagrafe",
        "category": CategoryFactory(slug="ostile").pk,
        "planned_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "planned_time": "10:30",
        "channels": [channel.pk],
        "base_text": "Lunedì l'ufficio anagrafe resta chiuso.",
        "link": "",
        "notes": "",
        "nuove-TOTAL_FORMS": "0",
        "nuove-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_a_post_link_that_is_not_http_or_https_is_refused(editor_client, link):
    channel = ChannelFactory(kind=ChannelKind.FACEBOOK)
    response = editor_client.post(reverse("planning:post_create"), _post_data(channel, link=link))
    assert response.status_code == 200
    assert "link" in response.context["form"].errors
    assert "https://" in response.context["form"].errors["link"][0]
    assert Post.objects.count() == 0


def test_a_post_link_on_the_web_is_kept(editor_client):
    channel = ChannelFactory(kind=ChannelKind.FACEBOOK)
    data = _post_data(channel, link="www.comune.esempio.it/avvisi/anagrafe")
    assert editor_client.post(reverse("planning:post_create"), data).status_code == 302
    assert Post.objects.get().link == "https://www.comune.esempio.it/avvisi/anagrafe"


def _event_data(**overrides) -> dict:
    data = {
        "title": "Concerto di Natale",
        "category": EventCategory.objects.get(slug="cultura").pk,
        "description": "Coro e orchestra.",
        "start_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "start_time": "21:00",
        "end_time": "23:00",
        "location_name": "Teatro comunale",
        "published": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_an_event_link_that_is_not_http_or_https_is_refused(editor_client, link):
    response = editor_client.post("/eventi/gestione/nuovo/", _event_data(link=link))
    assert response.status_code == 200
    assert "link" in response.context["form"].errors
    assert Event.objects.count() == 0


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_the_shared_validator_refuses_every_other_scheme(link):
    with pytest.raises(ValidationError):
        validate_web_url(link)
    with pytest.raises(ValidationError):
        validate_web_or_mailto_url(link)


def test_mailto_is_accepted_only_where_a_channel_takes_it_and_only_with_an_address():
    validate_web_or_mailto_url("mailto:urp@comune.esempio.it?subject=Info")
    with pytest.raises(ValidationError):
        validate_web_url("mailto:urp@comune.esempio.it")
    with pytest.raises(ValidationError):
        validate_web_or_mailto_url("mailto:javascript:alert(1)")


def test_the_verified_public_address_of_a_send_is_http_or_https():
    from apps.publishing.forms import ResolveCheckForm

    form = ResolveCheckForm({"outcome": "sent", "url": "ftp://esempio.it/post/1"})
    assert "url" in form.errors
    form = ResolveCheckForm({"outcome": "sent", "url": "https://esempio.it/post/1"})
    assert form.is_valid()


# --- Text fields have a sane maximum length ---------------------------------------------------


@pytest.mark.parametrize(("field", "limit"), [("notes", 5_000), ("indispensable_reason", 1_000)])
def test_notes_and_the_indispensable_reason_have_a_maximum_length(editor_client, field, limit):
    channel = ChannelFactory(kind=ChannelKind.FACEBOOK)
    data = _post_data(channel, is_indispensable="on", indispensable_reason="Strada chiusa.")
    data[field] = "x" * (limit + 1)
    response = editor_client.post(reverse("planning:post_create"), data)
    assert field in response.context["form"].errors
    assert Post.objects.count() == 0
    data[field] = "x" * limit
    assert editor_client.post(reverse("planning:post_create"), data).status_code == 302


def test_an_eleven_megabyte_note_is_refused_before_the_form_reads_it(editor_client):
    channel = ChannelFactory(kind=ChannelKind.FACEBOOK)
    data = _post_data(channel, notes="x" * 11 * 1024 * 1024)
    response = editor_client.post(reverse("planning:post_create"), data)
    assert response.status_code == 400
    assert Post.objects.count() == 0


def test_a_channel_guidance_and_a_category_description_have_a_maximum_length():
    from apps.channels.forms import ChannelForm
    from apps.planning.forms import CategoryForm

    channel = ChannelForm({"name": "X", "kind": ChannelKind.X, "guidance": "x" * 2_001})
    category = CategoryForm(
        {"name": "Avvisi", "slug": "avvisi", "description": "x" * 1_001, "colour": "#0066cc"}
    )
    assert "guidance" in channel.errors and "description" in category.errors


# --- CSV export: a formula behind leading spaces is still neutralised -------------------------


@pytest.mark.parametrize(
    "prefix",
    [" ", "   ", "\u00a0", "\n", "\r\n", "\t", "\u2003", "\u3000", "\u200b", "\ufeff", " \n\u00a0"],
)
@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_csv_cell_with_a_formula_after_leading_whitespace_is_neutralised(prefix, formula):
    from apps.audit.csv_export import safe_cell

    assert safe_cell(prefix + formula) == "'" + prefix + formula


@pytest.mark.parametrize("value", [" Testo normale", "\u00a0Via Roma 1", "\n", "   "])
def test_a_csv_cell_with_leading_whitespace_and_no_formula_is_unchanged(value):
    from apps.audit.csv_export import safe_cell

    assert safe_cell(value) == value
