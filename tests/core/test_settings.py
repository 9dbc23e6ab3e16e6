"""Settings switch by environment: each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FERNET_KEY = "Jm1yq1mUxeC7nE0qf3cFJ8Q6XbK4mAq0o2R6z9sVtLw="
PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
    " 'name': str(settings.DATABASES['default']['NAME']), 'broker': settings.CELERY_BROKER_URL,"
    " 'debug': settings.DEBUG, 'tz': settings.TIME_ZONE, 'lang': settings.LANGUAGE_CODE}))"
)
CLEARED = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "PA_PLANNER_SECRET_KEYS",
    "PA_PLANNER_TESTING",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser harness; check --deploy warns about it
)


def run_settings(tmp_path, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(DJANGO_SETTINGS_MODULE="pa_planner.settings", PA_PLANNER_VAR_DIR=str(tmp_path))
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_default_settings_are_embedded_sqlite_and_filesystem_broker(tmp_path):
    result = run_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(tmp_path / "db.sqlite3")
    assert values["broker"] == "filesystem://"
    assert (values["debug"], values["tz"], values["lang"]) == (True, "Europe/Rome", "it")


def test_database_and_broker_urls_switch_to_postgres_and_redis(tmp_path):
    result = run_settings(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/pa_planner",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "pa_planner"
    assert values["broker"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    "missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "PA_PLANNER_SECRET_KEYS"]
)
def test_production_mode_names_the_missing_variable(tmp_path, missing):
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "pa.example",
        "PA_PLANNER_SECRET_KEYS": FERNET_KEY,
    }
    del env[missing]
    result = run_settings(tmp_path, **env)
    assert result.returncode != 0
    assert f"{missing} is required" in result.stderr


def test_a_secret_key_that_is_not_a_fernet_key_is_an_error_that_does_not_show_it(tmp_path):
    result = run_settings(tmp_path, PA_PLANNER_SECRET_KEYS="not-a-key-hunter2")
    assert result.returncode != 0
    assert "PA_PLANNER_SECRET_KEYS must list Fernet keys" in result.stderr
    assert "hunter2" not in result.stderr


def test_a_boolean_that_is_neither_true_nor_false_is_an_error(tmp_path):
    result = run_settings(tmp_path, DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(
        DJANGO_SETTINGS_MODULE="pa_planner.settings",
        PA_PLANNER_VAR_DIR=str(tmp_path),
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k7#" + "z" * 30 + "Qv9!" + "m" * 30,
        DJANGO_ALLOWED_HOSTS="comunicazione.comune.esempio.it",
        PA_PLANNER_SECRET_KEYS=FERNET_KEY,
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
