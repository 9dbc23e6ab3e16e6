"""`.env.example` documents every variable the settings read, and nothing else."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ_PATTERN = re.compile(
    r'(?:[Ee]nv(?:\(\))?(?:\.[a-z_]+)?|env_bool|env_required|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"'
)
# Read by the code but set by the test runner, not by people deploying the app.
INTERNAL = {"PA_PLANNER_TESTING"}


def variables_read_by_settings() -> set[str]:
    sources = (ROOT / "pa_planner" / name for name in ("settings.py", "celery.py"))
    return {name for path in sources for name in READ_PATTERN.findall(path.read_text())}


def variables_in_env_example() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {
        line.split("=", 1)[0].strip()
        for line in lines
        if "=" in line and not line.lstrip().startswith("#")
    }


def test_the_pattern_finds_the_settings_variables():
    assert {
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "DJANGO_SECRET_KEY",
    } <= variables_read_by_settings()


def test_every_variable_the_settings_read_is_documented_in_env_example():
    missing = variables_read_by_settings() - INTERNAL - variables_in_env_example()
    assert missing == set(), f"Add to .env.example: {sorted(missing)}"


def test_env_example_lists_no_variable_the_settings_ignore():
    unknown = variables_in_env_example() - variables_read_by_settings()
    assert unknown == set(), f"Not read by the settings: {sorted(unknown)}"
