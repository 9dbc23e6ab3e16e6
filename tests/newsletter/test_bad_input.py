"""Odd links from mail clients and scanners: a clear page or a 404, never a 500."""

import pytest

from apps.newsletter.models import ConsentRecord

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("token", ["ab%00cd", "%C3%A0%C3%A8", "a%20b"])
def test_an_unsubscribe_link_that_is_not_a_token_is_404_on_every_database(client, method, token):
    # PostgreSQL refuses a NUL byte in a query: the URL pattern must stop it first.
    response = getattr(client, method)(f"/newsletter/disiscrizione/{token}/")

    assert response.status_code == 404
    assert ConsentRecord.objects.count() == 0


def test_a_confirmation_link_with_a_nul_byte_is_refused_with_a_message(client):
    response = client.get("/newsletter/conferma/ab%00c:1a2b3c:xyz/")

    assert response.status_code == 400
    assert "non è valido" in response.content.decode()
