"""django-axes: after AXES_FAILURE_LIMIT failures the login is locked with a clear page."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_failed_logins_below_the_limit_show_the_form_again_with_an_error(client, editor):
    response = _attempt(client, editor.username, "sbagliata")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'value="redattrice"' in response.content.decode()


def test_the_limit_of_failures_locks_the_account_with_a_clear_page(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, editor.username, "sbagliata").status_code == 200
    response = _attempt(client, editor.username, "sbagliata")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Accesso temporaneamente bloccato" in body
    assert "riprova tra 15 minuti" in body
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_while_locked_even_the_right_password_is_refused(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, editor.username, "sbagliata")
    response = _attempt(client, editor.username, "pw")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_after_the_cooloff_the_right_password_works_again(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, editor.username, "sbagliata")
    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    # Age the recorded failures past the cool-off instead of sleeping through it.
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= cooloff + timedelta(minutes=1)
        attempt.save(update_fields=["attempt_time"])
    response = _attempt(client, editor.username, "pw")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == editor.pk


def test_a_lockout_of_one_user_does_not_lock_a_colleague(client, editor, approver):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, editor.username, "sbagliata")
    response = _attempt(client, approver.username, "pw")
    assert response.status_code == 302
