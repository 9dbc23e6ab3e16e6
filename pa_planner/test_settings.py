"""The test overlay: only what tests need changed."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("PA_PLANNER_TESTING", "1")

from .settings import *  # noqa: E402,F403
from .settings import DATABASES, VAR_DIR  # noqa: E402

# One test database per pytest process, so that parallel runs never share one. SQLite's is
# a file (not in memory) so that real worker subprocesses can open it.
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    _db["TEST"] = {"NAME": f"test_{_db['NAME']}_{os.getpid()}"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Uploads go to a folder of this test process, removed when its session ends
# (tests/conftest.py, pytest_sessionfinish): runs never pile files up under var/.
TEST_MEDIA_PREFIX = "pa-planner-test-media-"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix=TEST_MEDIA_PREFIX))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "media_originals": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "originals-private")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
LANGUAGE_CODE = "it"
# The local channel servers listen on 127.0.0.1: an address no administrator may type
# outside tests (tests that check the refusal override this).
PRIVATE_HOSTS_ALLOWED = ["127.0.0.1"]
