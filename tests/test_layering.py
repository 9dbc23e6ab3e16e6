"""The app order of docs/architecture.md, read from the imports of every module in ``apps/``.

Domain modules (models, services, selectors, transitions, tasks, adapters, …) import only
apps below their own. Interface modules (views, urls, forms, admin, template tags, context
processors, management commands, demo data) sit over the whole domain and may read any app,
except ``core``, which imports no app at all. No module of one app imports a module of another
inside a function (ruff's PLC0415 keeps the rest of the code honest).
"""

import ast
from pathlib import Path

import pytest

APPS_DIR = Path(__file__).resolve().parent.parent / "apps"

# Lowest first; apps on the same level may not import each other.
LAYERS: list[set[str]] = [
    {"core"},
    {"accounts"},
    {"audit"},
    {"notifications"},
    {"channels"},
    {"events", "newsletter"},
    {"planning"},
    {"media_library"},
    {"crisis"},
    {"publishing"},
    {"slots"},
    {"review", "crisis_response", "inbox"},
    {"insights"},
    {"home", "api", "webhooks"},
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}
INTERFACE_MODULES = {"views", "urls", "forms", "admin", "context_processors", "demo", "apps"}
INTERFACE_PACKAGES = {"templatetags", "management"}
# Modules that import inside functions, and why (ruff's per-file-ignores say the same).
LATE_IMPORTS_ALLOWED = {
    "apps/publishing/heartbeat.py": "Celery loads it by name before Django's apps are ready",
}


def _is_interface(path: Path) -> bool:
    return path.stem in INTERFACE_MODULES or bool(INTERFACE_PACKAGES & set(path.parts))


def _app_imports(path: Path):
    """(line, imported app, inside a function) for each import of another ``apps.*`` app."""
    tree = ast.parse(path.read_text(), filename=str(path))
    own = path.relative_to(APPS_DIR).parts[0]

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            modules = []
            if isinstance(child, ast.ImportFrom) and child.module and not child.level:
                if child.module == "apps":
                    modules = [f"apps.{alias.name}" for alias in child.names]
                else:
                    modules = [child.module]
            elif isinstance(child, ast.Import):
                modules = [alias.name for alias in child.names]
            for module in modules:
                parts = module.split(".")
                if parts[0] == "apps" and len(parts) > 1 and parts[1] != own:
                    yield child.lineno, parts[1], in_function
            yield from visit(child, nested)

    yield from visit(tree, False)


def _modules():
    return sorted(p for p in APPS_DIR.rglob("*.py") if "migrations" not in p.parts)


def test_every_app_has_a_layer():
    apps = {p.name for p in APPS_DIR.iterdir() if (p / "apps.py").exists()}
    assert apps == set(LEVEL), "add the app to LAYERS and to docs/architecture.md"


def test_imports_follow_the_app_order():
    wrong = []
    for path in _modules():
        own = path.relative_to(APPS_DIR).parts[0]
        interface = _is_interface(path)
        for line, target, _in_function in _app_imports(path):
            where = f"{path.relative_to(APPS_DIR.parent)}:{line} imports apps.{target}"
            if own == "core":
                wrong.append(f"{where} (core imports no app)")
            elif not interface and LEVEL[target] >= LEVEL[own]:
                wrong.append(f"{where} ({own} is not above {target})")
    assert wrong == []


def test_no_app_is_imported_inside_a_function():
    hidden = [
        f"{path.relative_to(APPS_DIR.parent)}:{line} imports apps.{target}"
        for path in _modules()
        for line, target, in_function in _app_imports(path)
        if in_function and str(path.relative_to(APPS_DIR.parent)) not in LATE_IMPORTS_ALLOWED
    ]
    assert hidden == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from apps.review.services import x\n", [(1, "review", False)]),
        ("def f():\n    from apps import publishing\n", [(2, "publishing", True)]),
        ("from .models import Post\nimport apps.planning.models\n", [(2, "planning", False)]),
    ],
)
def test_the_reader_finds_imports(tmp_path, monkeypatch, source, expected):
    module = tmp_path / "apps" / "slots" / "services.py"
    module.parent.mkdir(parents=True)
    module.write_text(source)
    monkeypatch.setattr(__import__(__name__, fromlist=["APPS_DIR"]), "APPS_DIR", tmp_path / "apps")
    assert list(_app_imports(module)) == expected
