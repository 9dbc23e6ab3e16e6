"""Test runs leave no uploads behind: each test process stores into its own temporary folder,
removed when the session ends (``pa_planner/test_settings.py``, ``tests/conftest.py``)."""

import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent

STORING_TEST = """
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def test_stores_a_file():
    name = default_storage.save("prova/file.txt", ContentFile(b"ciao"))
    print("MEDIA_ROOT=" + str(settings.MEDIA_ROOT))
    assert (settings.MEDIA_ROOT / name).read_bytes() == b"ciao"
"""


def test_uploads_go_to_a_temporary_folder_of_this_process_not_var():
    root = Path(settings.MEDIA_ROOT)
    assert root.parent == Path(tempfile.gettempdir())
    assert root.name.startswith(settings.TEST_MEDIA_PREFIX)
    assert Path(settings.VAR_DIR) not in root.parents


def test_a_test_session_removes_its_upload_folder_when_it_ends(tmp_path):
    # Outside tests/, so the project conftest (where the clean-up lives) is loaded by -p.
    test_file = tmp_path / "test_stores.py"
    test_file.write_text(STORING_TEST)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "tests.media_cleanup", str(test_file),
         "--rootdir", str(BASE_DIR), "-c", str(BASE_DIR / "pyproject.toml")],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    [line] = [line for line in run.stdout.splitlines() if "MEDIA_ROOT=" in line]
    used = Path(line.split("MEDIA_ROOT=", 1)[1].strip())
    assert used != Path(settings.MEDIA_ROOT)  # its own folder
    assert used.name.startswith(settings.TEST_MEDIA_PREFIX)
    assert not used.exists()
