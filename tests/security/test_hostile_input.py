"""Hostile input cannot stop the office: oversized texts, hostile links, polyglot images,
mailbox floods, formula cells. Each test reads as the rule it holds the app to."""

import pytest
from django.urls import reverse

from apps.channels.enums import ChannelKind
from tests.factories import ChannelFactory

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
