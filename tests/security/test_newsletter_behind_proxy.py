"""The newsletter's per-address limit and consent records use the real client address."""

import pytest
from django.urls import reverse

from apps.newsletter import services
from apps.newsletter.models import ConsentRecord

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def _subscribe(client, email, *, forwarded=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("newsletter:subscribe"), {"email": email, "consent": "on"}, **extra)


def test_behind_a_proxy_one_abuser_does_not_lock_every_citizen_out(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(services.SUBSCRIBE_LIMIT + 1):
        _subscribe(client, f"vittima{n}@example.org", forwarded="198.51.100.66")

    assert _subscribe(client, "abuser@example.org", forwarded="198.51.100.66").status_code == 429
    response = _subscribe(client, "maria.rossi@example.org", forwarded="203.0.113.7")

    assert response.status_code == 302
    record = ConsentRecord.objects.get(subscriber__email="maria.rossi@example.org")
    assert record.ip_address == "203.0.113.7"


def test_without_a_trusted_proxy_the_header_cannot_dodge_the_limit(client):
    responses = [
        _subscribe(client, f"v{n}@example.org", remote="198.51.100.66", forwarded=f"1.1.1.{n}")
        for n in range(services.SUBSCRIBE_LIMIT + 1)
    ]

    assert responses[-1].status_code == 429
    assert set(ConsentRecord.objects.values_list("ip_address", flat=True)) == {"198.51.100.66"}
