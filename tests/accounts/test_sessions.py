"""Idle timeout, absolute lifetime, and re-authentication before sensitive actions."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from apps.accounts import security
from apps.accounts.roles import Role
from apps.crisis import selectors
from apps.crisis.models import Blackout
from apps.publishing.models import ChannelCredential
from tests.accounts.mfa_helpers import current_code, enrolled_device
from tests.factories import ChannelFactory, UserFactory

pytestmark = pytest.mark.django_db


def _age(client, key, seconds):
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def test_the_default_idle_timeout_is_thirty_minutes(settings):
    assert settings.SESSION_IDLE_MINUTES == 30


def test_a_session_idle_longer_than_the_timeout_ends(approver_client, settings):
    _age(approver_client, security.SEEN_AT, settings.SESSION_IDLE_MINUTES * 60 + 5)

    response = approver_client.get(reverse("review:queue"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in approver_client.session


def test_activity_keeps_the_session_alive(approver_client, settings):
    _age(approver_client, security.SEEN_AT, settings.SESSION_IDLE_MINUTES * 60 - 60)
    assert approver_client.get(reverse("review:queue")).status_code == 200
    assert time.time() - approver_client.session[security.SEEN_AT] < 5
    assert approver_client.get(reverse("review:queue")).status_code == 200


def test_a_session_ends_after_its_absolute_lifetime_even_if_active(approver_client, settings):
    _age(approver_client, security.LOGIN_AT, settings.SESSION_ABSOLUTE_HOURS * 3600 + 5)

    response = approver_client.get(reverse("review:queue"))

    assert response["Location"].startswith(reverse("login"))


def test_the_expired_session_tells_why_on_the_login_page(approver_client, settings):
    _age(approver_client, security.SEEN_AT, settings.SESSION_IDLE_MINUTES * 60 + 5)
    response = approver_client.get(reverse("review:queue"), follow=True)
    assert "La sessione è scaduta per inattività" in response.content.decode()


# --- Re-authentication ----------------------------------------------------------------------


@pytest.fixture
def stale(settings):
    """Make a logged-in client's last password check older than the re-auth window."""

    def make(client):
        _age(client, security.AUTH_AT, settings.REAUTH_MINUTES * 60 + 5)
        return client

    return make


def _blackout_data():
    start = timezone.localtime() + timedelta(days=3)
    fmt = "%Y-%m-%dT%H:%M"
    return {
        "kind": "electoral",
        "reason": "Elezioni comunali",
        "starts_at": start.strftime(fmt),
        "ends_at": (start + timedelta(days=2)).strftime(fmt),
    }


def test_a_stale_session_must_confirm_the_password_before_declaring_a_crisis(
    approver_client, stale
):
    stale(approver_client)

    response = approver_client.post(
        reverse("crisis:declare"), {"reason": "Allerta meteo", "scope": "all"}
    )

    assert response.status_code == 200
    assert selectors.open_crisis() is None
    body = response.content.decode()
    assert 'name="reauth_password"' in body
    assert 'value="Allerta meteo"' in body  # what was typed comes back, nothing is lost


def test_confirming_the_password_resubmits_the_action(approver_client, stale):
    stale(approver_client)

    response = approver_client.post(
        reverse("crisis:declare"),
        {"reason": "Allerta meteo", "scope": "all", "reauth_password": "pw"},
    )

    assert response.status_code == 302
    assert selectors.open_crisis() is not None


def test_a_wrong_password_is_refused_and_counted_by_the_lockout(approver_client, approver, stale):
    stale(approver_client)

    response = approver_client.post(
        reverse("crisis:declare"),
        {"reason": "Allerta meteo", "scope": "all", "reauth_password": "sbagliata"},
    )

    assert response.status_code == 403
    assert selectors.open_crisis() is None
    assert AccessAttempt.objects.get(username=approver.username).failures_since_start == 1


def test_an_mfa_code_also_confirms_the_identity(client, approver, stale):
    device = enrolled_device(approver)
    client.post(reverse("login"), {"username": approver.username, "password": "pw"})
    client.post(reverse("accounts:mfa_verify"), {"code": "000000"})  # wrong first
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    client.post(reverse("accounts:mfa_verify"), {"code": current_code(device)})
    stale(client)
    device.refresh_from_db()
    device.last_t = -1  # the app shows a new code 30 s later; here we reuse the same window
    device.save()

    response = client.post(
        reverse("crisis:declare"),
        {"reason": "Allerta meteo", "scope": "all", "reauth_code": current_code(device)},
    )

    assert response.status_code == 302
    assert selectors.open_crisis() is not None


def test_ending_a_crisis_needs_a_recent_password(approver_client, approver, stale):
    from apps.crisis_response import services

    services.declare_crisis(by=approver, reason="Allerta", channels=[])
    stale(approver_client)

    approver_client.post(reverse("crisis:end"), {"note": "Rientrata"})

    assert selectors.open_crisis() is not None


def test_creating_a_blackout_needs_a_recent_password(admin_client_, stale):
    stale(admin_client_)

    page = admin_client_.get(reverse("crisis:blackout_create"))
    assert 'name="reauth_password"' in page.content.decode()
    admin_client_.post(reverse("crisis:blackout_create"), _blackout_data())
    assert not Blackout.objects.exists()

    admin_client_.post(
        reverse("crisis:blackout_create"), {**_blackout_data(), "reauth_password": "pw"}
    )
    assert Blackout.objects.count() == 1


def test_the_confirmation_page_reached_by_get_returns_to_the_page(admin_client_, stale):
    stale(admin_client_)
    target = reverse("crisis:blackout_create")

    response = admin_client_.post(
        reverse("accounts:reauth"), {"next": target, "reauth_password": "pw"}
    )

    assert response["Location"] == target
    assert admin_client_.get(target).status_code == 200


def test_setting_channel_credentials_needs_a_recent_password(admin_client_, stale):
    channel = ChannelFactory()
    stale(admin_client_)
    url = reverse("credentials:edit", kwargs={"pk": channel.pk})

    admin_client_.post(url, {"action": "set", "secret": "token-segreto-123"})

    assert not ChannelCredential.objects.filter(channel=channel).exclude(secret="").exists()


@pytest.fixture
def staff_admin(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True  # as load_demo makes the administrator
    admin_user.save(update_fields=["is_staff", "is_superuser"])
    return admin_user


def test_changing_roles_in_the_admin_needs_a_recent_password(
    admin_client_, staff_admin, editor, stale
):
    stale(admin_client_)
    url = reverse("admin:auth_user_change", args=[editor.pk])

    response = admin_client_.get(url)

    assert 'name="reauth_password"' in response.content.decode()


def test_a_fresh_login_may_act_at_once(approver_client):
    response = approver_client.post(
        reverse("crisis:declare"), {"reason": "Allerta meteo", "scope": "all"}
    )
    assert response.status_code == 302
    assert selectors.open_crisis() is not None


def test_the_admin_change_goes_through_after_confirming(admin_client_, staff_admin, stale):
    target = UserFactory(username="nuovo_approvatore")
    stale(admin_client_)
    admin_client_.post(
        reverse("accounts:reauth"),
        {"next": reverse("admin:auth_user_change", args=[target.pk]), "reauth_password": "pw"},
    )

    response = admin_client_.get(reverse("admin:auth_user_change", args=[target.pk]))

    assert response.status_code == 200
    assert "reauth_password" not in response.content.decode()
    assert Group.objects.filter(name=Role.APPROVER.value).exists()


def test_replacing_the_authenticator_needs_a_recent_password(client, editor, stale):
    device = enrolled_device(editor)
    client.post(reverse("login"), {"username": editor.username, "password": "pw"})
    client.post(reverse("accounts:mfa_verify"), {"code": current_code(device)})
    stale(client)

    response = client.get(reverse("accounts:mfa_setup"))

    assert 'name="reauth_password"' in response.content.decode()
    assert "qr_code" not in response.context


def test_an_unenrolled_approver_can_confirm_the_password_on_the_way_to_enrolment(
    client, approver, stale, settings
):
    settings.MFA_REQUIRED = True
    client.post(reverse("login"), {"username": approver.username, "password": "pw"})
    stale(client)
    setup = reverse("accounts:mfa_setup")

    response = client.post(reverse("accounts:reauth"), {"next": setup, "reauth_password": "pw"})

    assert response["Location"] == setup
    assert "qr_code" in client.get(setup).context


def test_an_htmx_request_is_sent_to_the_confirmation_page_not_swapped(admin_client_, stale):
    stale(admin_client_)

    response = admin_client_.post(
        reverse("crisis:blackout_create"),
        _blackout_data(),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/crisi/silenzio/",
    )

    assert response["HX-Redirect"] == reverse("accounts:reauth") + "?next=%2Fcrisi%2Fsilenzio%2F"
    assert not Blackout.objects.exists()
