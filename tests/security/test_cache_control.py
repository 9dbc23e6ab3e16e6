"""Pages with sensitive data are never stored by the browser or a shared cache."""

import pytest
from django.urls import reverse

from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    ["audit:list", "audit:export", "credentials:list", "crisis:dashboard", "crisis:history"],
)
def test_sensitive_pages_say_no_store(admin_client_, url_name):
    response = admin_client_.get(reverse(url_name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_credential_form_says_no_store(admin_client_):
    channel = ChannelFactory()
    response = admin_client_.get(reverse("credentials:edit", kwargs={"pk": channel.pk}))
    assert "no-store" in response["Cache-Control"]


def test_public_pages_may_still_be_cached(client):
    response = client.get(reverse("events:public_list"))
    assert "no-store" not in response.get("Cache-Control", "")
