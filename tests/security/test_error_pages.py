"""Error pages: our own templates, readable in Italian, and the 500 page needs nothing."""

import pytest
from django.template.loader import render_to_string
from django.test import Client


def test_the_500_page_renders_without_request_context_or_database():
    # Django renders 500.html with an empty Context: no request, no context processors. No db
    # mark here: any query would raise.
    html = render_to_string("500.html")
    assert "<h1>Si è verificato un errore</h1>" in html
    assert 'lang="it"' in html


@pytest.mark.django_db
def test_a_missing_page_answers_404_with_the_app_page():
    response = Client().get("/questa-pagina-non-esiste/")
    assert response.status_code == 404
    assert "<h1>Pagina non trovata</h1>" in response.content.decode()


@pytest.mark.django_db
def test_a_forbidden_page_answers_403_with_the_app_page(client, outsider):
    client.force_login(outsider)
    response = client.get("/")
    assert response.status_code == 403
    assert "<h1>Accesso non consentito</h1>" in response.content.decode()


@pytest.mark.django_db
def test_a_post_without_csrf_token_gets_the_app_page_not_djangos():
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "<h1>Modulo scaduto</h1>" in body
    assert "<style" not in body
