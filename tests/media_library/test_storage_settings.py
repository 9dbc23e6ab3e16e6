"""Uploads go to S3-compatible storage when the environment names a bucket (read in a fresh
interpreter, as at start-up)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = (
    "import json, django; django.setup(); from django.conf import settings; "
    "from django.core.files.storage import default_storage as d; "
    "print(json.dumps({'backend': settings.STORAGES['default']['BACKEND'], "
    "'options': settings.STORAGES['default'].get('OPTIONS', {}), "
    "'class': type(d._wrapped).__name__ if d._setup() is None else ''}))"
)


def _settings(tmp_path, **env) -> dict:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PA_PLANNER_S3", "DJANGO_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="pa_planner.settings",
        PA_PLANNER_VAR_DIR=str(tmp_path),
        DJANGO_LOG_LEVEL="WARNING",
        **env,
    )
    out = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_filesystem_by_default(tmp_path):
    read = _settings(tmp_path)
    assert read["backend"] == "django.core.files.storage.FileSystemStorage"
    assert read["class"] == "FileSystemStorage"


def test_s3_compatible_storage_when_a_bucket_is_set(tmp_path):
    secret = tmp_path / "s3-secret"
    secret.write_text("segreto\n")
    read = _settings(
        tmp_path,
        PA_PLANNER_S3_BUCKET="comune-media",
        PA_PLANNER_S3_ENDPOINT_URL="https://s3.example.it",
        PA_PLANNER_S3_ACCESS_KEY_ID="chiave",
        PA_PLANNER_S3_SECRET_ACCESS_KEY_FILE=str(secret),
    )
    assert read["backend"] == "apps.core.media_files.MediaS3Storage"  # django-storages' S3
    assert read["class"] == "MediaS3Storage"
    options = read["options"]
    assert options["bucket_name"] == "comune-media"
    assert options["endpoint_url"] == "https://s3.example.it"
    assert (options["access_key"], options["secret_key"]) == ("chiave", "segreto")
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
