"""Production mode (DJANGO_DEBUG=0): deploy checks clean, secure cookies, HSTS, HTTPS only.

Each case runs in a fresh interpreter with ``pa_planner.settings`` (not the test overlay).
"""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLEARED = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_SECRET_KEY_FILE",
    "DJANGO_ALLOWED_HOSTS",
    "PA_PLANNER_SECRET_KEYS",
    "PA_PLANNER_TESTING",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_HSTS_SECONDS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)
PROBE = """
import json, django
from io import StringIO
from django.conf import settings
from django.core.management import call_command
django.setup()
from django.test import Client, override_settings
out = StringIO()
call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=out)
# The hashed-name manifest only exists after collectstatic; page rendering needs plain names.
plain_storage = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain_storage):
    https = Client().get("/accounts/login/", secure=True, HTTP_HOST="example.org")
    plain = Client().get("/accounts/login/", HTTP_HOST="example.org")
print(json.dumps({
    "check": out.getvalue(),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "hsts": https.headers.get("Strict-Transport-Security", ""),
    "csrf_cookie": https.cookies["csrftoken"].output() if "csrftoken" in https.cookies else "",
    "https_status": https.status_code,
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location", ""),
    "nosniff": https.headers.get("X-Content-Type-Options", ""),
    "frame": https.headers.get("X-Frame-Options", ""),
    "csp": https.headers.get("Content-Security-Policy", ""),
    "debug": settings.DEBUG,
}))
"""


def _random_secret(length: int = 64) -> str:
    alphabet = string.ascii_letters + string.digits + "!#%&()*+-./:;<=>?@[]^_{|}~"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _run(tmp_path, code: str, **overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(DJANGO_SETTINGS_MODULE="pa_planner.settings", PA_PLANNER_VAR_DIR=str(tmp_path))
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    result = _run(
        tmp_path_factory.mktemp("prod"),
        PROBE,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=_random_secret(),
        DJANGO_ALLOWED_HOSTS="example.org",
        PA_PLANNER_SECRET_KEYS="Jm1yq1mUxeC7nE0qf3cFJ8Q6XbK4mAq0o2R6z9sVtLw=",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_has_no_warnings(production):
    assert "System check identified no issues" in production["check"]
    assert production["debug"] is False


def test_cookies_are_secure_and_the_session_cookie_is_http_only(production):
    assert (production["session_secure"], production["csrf_secure"]) == (True, True)
    assert production["session_httponly"] is True
    assert "Secure" in production["csrf_cookie"]


def test_https_responses_carry_hsts_for_a_year_with_subdomains(production):
    assert production["https_status"] == 200
    assert production["hsts"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_is_redirected_to_https(production):
    assert production["plain_status"] == 301
    assert production["plain_location"] == "https://example.org/accounts/login/"


def test_hardening_headers_in_production(production):
    assert production["nosniff"] == "nosniff"
    assert production["frame"] == "DENY"
    assert "unsafe-inline" not in production["csp"] and "script-src 'self'" in production["csp"]


def test_a_missing_secret_key_stops_start_up_naming_the_variable(tmp_path):
    result = _run(
        tmp_path,
        "import django; django.setup()",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr
