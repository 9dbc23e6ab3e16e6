"""Lockout by username + real client address, behind a proxy or not; password spraying."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ATTACKER = "198.51.100.66"
APPROVER_HOME = "203.0.113.10"


def _attempt(client, username, password, *, remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_CIDRS = []


def test_behind_a_proxy_a_stranger_s_failures_do_not_lock_the_approver_out(
    client, approver, behind_one_proxy
):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _attempt(client, approver.username, "sbagliata", forwarded=ATTACKER)

    response = _attempt(client, approver.username, "pw", forwarded=APPROVER_HOME)

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == approver.pk


def test_behind_a_proxy_the_attacker_himself_is_locked_out(client, approver, behind_one_proxy):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, approver.username, "sbagliata", forwarded=ATTACKER)

    response = _attempt(client, approver.username, "pw", forwarded=ATTACKER)

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_without_a_trusted_proxy_a_forged_header_does_not_escape_the_lockout(client, approver):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, approver.username, "sbagliata", remote=ATTACKER, forwarded=f"1.1.1.{n}")

    response = _attempt(client, approver.username, "pw", remote=ATTACKER, forwarded="9.9.9.9")

    assert response.status_code == 429


def test_without_a_proxy_another_address_can_still_log_in(client, approver):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, approver.username, "sbagliata", remote=ATTACKER)

    assert _attempt(client, approver.username, "pw", remote=APPROVER_HOME).status_code == 302


def test_spraying_one_password_over_many_usernames_locks_the_address(
    client, settings, behind_one_proxy
):
    settings.LOGIN_FAILURES_PER_ADDRESS = 6
    victims = [UserFactory(username=f"persona{n}") for n in range(6)]
    for victim in victims:  # one try each: every account stays far under its own limit
        assert _attempt(client, victim.username, "Estate2026!", forwarded=ATTACKER).status_code == (
            200
        )

    response = _attempt(client, "persona0", "pw", forwarded=ATTACKER)

    assert response.status_code == 429
    assert "anche con nomi utente diversi" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_spraying_from_one_address_does_not_block_the_others(client, settings, behind_one_proxy):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    UserFactory(username="persona")
    for n in range(3):
        _attempt(client, f"nessuno{n}", "x", forwarded=ATTACKER)

    assert _attempt(client, "persona", "pw", forwarded=APPROVER_HOME).status_code == 302


def test_the_locked_out_page_says_how_to_get_back_in(client, approver):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = _attempt(client, approver.username, "sbagliata")

    body = response.content.decode()
    assert response.status_code == 429
    assert reverse("accounts:password_reset") in body
    assert "i colleghi possono accedere" in body
    assert "amministratore" in body


def test_a_password_reset_lifts_the_lockout_at_once(client, approver):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, approver.username, "sbagliata")
    client.post(reverse("accounts:password_reset"), {"email": approver.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/" in line)
    path = link.strip().removeprefix(settings.SITE_URL)
    form_page = client.get(path, follow=True)
    new_password = "Girasole-del-porto-42"

    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )

    assert _attempt(client, approver.username, new_password).status_code == 302
