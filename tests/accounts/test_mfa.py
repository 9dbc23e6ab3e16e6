"""MFA (django-otp): required of approvers and administrators, available to everyone.

These tests switch the production rule on (``MFA_REQUIRED``, always on when DJANGO_DEBUG=0);
the rest of the suite runs in development mode, where it is off unless asked for.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.mfa_helpers import current_code, enrolled_device, recovery_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED = True


def _login(client, user, password="pw"):
    return client.post(reverse("login"), {"username": user.username, "password": password})


def test_production_mode_always_requires_mfa_whatever_the_variable_says():
    """A fresh interpreter with the real settings, as tests/security/test_production_settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PA_PLANNER_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 60,
        DJANGO_ALLOWED_HOSTS="pa.comune.esempio.it",
        PA_PLANNER_SECRET_KEYS="Jm1yq1mUxeC7nE0qf3cFJ8Q6XbK4mAq0o2R6z9sVtLw=",
        PA_PLANNER_MFA_REQUIRED="0",
        PA_PLANNER_VAR_DIR=str(settings.VAR_DIR),
    )
    probe = "import pa_planner.settings as s; print(s.MFA_REQUIRED)"
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize("role", ["approver", "admin_user"])
def test_an_approver_or_admin_without_a_device_is_sent_to_enrolment(
    client, request, mfa_required, role
):
    user = request.getfixturevalue(role)
    response = _login(client, user)
    assert response.status_code == 302

    for url in (reverse("home"), reverse("review:queue"), reverse("crisis:dashboard")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:mfa_setup"))


def test_an_unenrolled_approver_cannot_act_through_htmx_either(client, approver, mfa_required):
    _login(client, approver)
    response = client.get(reverse("review:queue"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("accounts:mfa_setup"))


def test_an_unenrolled_approver_may_still_log_out(client, approver, mfa_required):
    _login(client, approver)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_editor_is_not_forced_to_enrol(client, editor, mfa_required):
    _login(client, editor)
    assert client.get(reverse("home")).status_code == 200


def test_enrolment_confirms_the_app_and_shows_recovery_codes_once(client, approver, mfa_required):
    _login(client, approver)
    page = client.get(reverse("accounts:mfa_setup"))
    assert page.status_code == 200
    assert page.context["qr_code"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=approver, confirmed=False)

    response = client.post(reverse("accounts:mfa_setup"), {"code": current_code(device)})

    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("review:queue")).status_code == 200


def test_a_wrong_enrolment_code_is_refused_with_an_error_tied_to_the_field(
    client, approver, mfa_required
):
    _login(client, approver)
    client.get(reverse("accounts:mfa_setup"))

    response = client.post(reverse("accounts:mfa_setup"), {"code": "000000"})

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert not TOTPDevice.objects.filter(user=approver, confirmed=True).exists()
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:mfa_setup"))


def test_with_a_device_every_login_asks_for_the_code(client, approver, mfa_required):
    device = enrolled_device(approver)
    _login(client, approver)

    blocked = client.get(reverse("review:queue"))
    assert blocked["Location"].startswith(reverse("accounts:mfa_verify"))

    response = client.post(
        reverse("accounts:mfa_verify"), {"code": current_code(device), "next": "/revisione/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/revisione/"
    assert client.get(reverse("review:queue")).status_code == 200


def test_a_person_who_enrolled_voluntarily_is_asked_too_even_in_development(client, editor):
    enrolled_device(editor)  # MFA_REQUIRED is off here: the device alone is the rule
    _login(client, editor)
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:mfa_verify"))


def test_a_wrong_code_keeps_the_door_closed(client, approver, mfa_required):
    enrolled_device(approver)
    _login(client, approver)

    response = client.post(reverse("accounts:mfa_verify"), {"code": "123456"})

    assert response.status_code == 400
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:mfa_verify"))


def test_a_recovery_code_works_once(client, approver, mfa_required):
    enrolled_device(approver)
    recovery_device(approver, "recupero1")
    _login(client, approver)
    assert client.post(reverse("accounts:mfa_verify"), {"code": "recupero1"}).status_code == 302
    client.post(reverse("logout"))

    _login(client, approver)
    response = client.post(reverse("accounts:mfa_verify"), {"code": "recupero1"})

    assert response.status_code == 400


def test_someone_with_only_the_password_cannot_enrol_a_device_of_their_own(
    client, approver, mfa_required
):
    enrolled_device(approver)
    _login(client, approver)

    response = client.get(reverse("accounts:mfa_setup"))

    assert response["Location"].startswith(reverse("accounts:mfa_verify"))
    assert TOTPDevice.objects.filter(user=approver).count() == 1


def test_the_next_parameter_cannot_send_the_user_off_site(client, approver):
    device = enrolled_device(approver)
    _login(client, approver)
    response = client.post(
        reverse("accounts:mfa_verify"),
        {"code": current_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


def test_new_recovery_codes_replace_the_old_ones(client, approver):
    device = enrolled_device(approver)
    recovery_device(approver, "vecchio1")
    _login(client, approver)
    client.post(reverse("accounts:mfa_verify"), {"code": current_code(device)})

    response = client.post(reverse("accounts:recovery_codes"))

    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    from django_otp.plugins.otp_static.models import StaticToken

    tokens = set(StaticToken.objects.filter(device__user=approver).values_list("token", flat=True))
    assert tokens == set(codes)
