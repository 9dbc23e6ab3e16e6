"""The pytest hook that removes a test process's upload folder when its session ends
(``pa_planner/test_settings.py`` makes it); a module of its own so a run outside ``tests/`` can
load it with ``-p tests.media_cleanup``."""

import shutil
import tempfile
from pathlib import Path


def pytest_sessionfinish(session, exitstatus):
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    prefix = getattr(settings, "TEST_MEDIA_PREFIX", "")
    if prefix and root.name.startswith(prefix) and root.parent == Path(tempfile.gettempdir()):
        shutil.rmtree(root, ignore_errors=True)
