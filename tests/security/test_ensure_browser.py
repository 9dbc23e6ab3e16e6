"""scripts/ensure-browser.sh: nothing to do when Chromium is there; a clear failure when it is
missing and cannot be installed (never a silent skip of the browser tests)."""

import os
import subprocess
from pathlib import Path

import pytest

# It runs apt-get as root when Chromium is missing: not for the quick loop.
pytestmark = pytest.mark.system

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-browser.sh"


def _run(*, as_nobody: bool = False, **env) -> subprocess.CompletedProcess:
    command = ["bash", str(SCRIPT)]
    if as_nobody and os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


def test_with_chromium_installed_it_succeeds_quietly():
    result = _run()
    assert (result.returncode, result.stderr) == (0, "")


def test_a_missing_browser_that_cannot_be_installed_fails_with_a_clear_message():
    result = _run(as_nobody=True, PA_PLANNER_CHROMIUM="/nonexistent/chromium")
    assert result.returncode == 1
    assert "ERROR: Debian's chromium/chromium-driver are missing" in result.stderr
    assert "apt-get install -y chromium chromium-driver" in result.stderr
