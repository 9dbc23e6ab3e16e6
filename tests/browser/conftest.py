"""Browser harness: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser per test module, a fresh context (cookies, storage) per test. When a test fails, the
page's screenshot and HTML are kept under ``test-artifacts/<test name>/``.
"""

import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from apps.accounts.roles import Role
from tests.factories import UserFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE_SOURCE_PATH = ROOT / "tests" / "assets" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "pw"  # tests.factories.UserFactory's password
DEFAULT_TIMEOUT_MS = 20_000  # generous: CI machines run other suites beside this one


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item, so artefacts can include the error."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """One Chromium per test module.

    Module scope keeps Playwright's event loop confined to browser tests, and the test database
    is created before the loop starts. While the loop runs, Django's async-safety guard would
    refuse the ORM calls of the test itself (and the database flush after it), so
    DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly the browser's lifetime: never leaked into other
    tests' subprocesses (``check --deploy`` rejects it). Other test folders may reuse these
    fixtures by importing them from this module.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            "Browser tests need Debian's Chromium at /usr/bin/chromium. Run "
            "`bash scripts/ensure-browser.sh` as root (it installs the packages chromium and "
            "chromium-driver), then run the tests again.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture(scope="module")
def allow_orm_beside_playwright():
    """Kept for modules that import it by name; the ``browser`` fixture now sets the variable."""
    yield


@pytest.fixture
def role_groups(transactional_db):
    """The role groups come from a data migration that a transactional flush removes."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@pytest.fixture
def context(browser, live_server, role_groups):
    context = browser.new_context(base_url=live_server.url, locale="it-IT")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context, request):
    failures_before = request.session.testsfailed
    page = context.new_page()
    yield page
    # The call phase's report is logged before fixtures are torn down: a new failure is ours.
    if request.session.testsfailed > failures_before:
        report = getattr(request.node, "rep_call", None)
        error = report.longreprtext if report is not None and report.failed else ""
        save_artifacts(page, request.node.name, error=error)


def save_artifacts(page, test_name: str, *, error: str = "") -> Path:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
    folder.mkdir(parents=True, exist_ok=True)
    if error:
        (folder / "failure.txt").write_text(error)
    try:
        page.screenshot(path=str(folder / "page.png"), full_page=True)
        (folder / "page.html").write_text(page.content())
        (folder / "url.txt").write_text(page.url)
    except Exception as error:  # a crashed page still leaves a note
        (folder / "error.txt").write_text(repr(error))
    return folder


# --- People -----------------------------------------------------------------------------


@pytest.fixture
def editor_user(role_groups):
    return UserFactory(username="redattrice", first_name="Giulia", role=Role.EDITOR)


@pytest.fixture
def approver_user(role_groups):
    return UserFactory(username="approvatore", first_name="Marco", role=Role.APPROVER)


@pytest.fixture
def admin_person(role_groups):
    return UserFactory(username="amministratrice", first_name="Anna", role=Role.ADMIN)


def login(page, user, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would, and land on the home page."""
    page.goto("/accounts/login/")
    page.get_by_label("Nome utente").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Accedi", exact=True).last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.fixture
def force_login(context, live_server):
    """``force_login(user)``: a session cookie without the login form. For page checks; the
    journeys log in through the form with ``login(page, user)``."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from apps.accounts.security import stamp_new_session

    def log_in(user) -> None:
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        stamp_new_session(session)  # as a password login does (apps/accounts/security.py)
        session.save()
        cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key}
        context.add_cookies([{**cookie, "url": live_server.url}])

    return log_in


# --- Accessibility ------------------------------------------------------------------------

_AXE_SOURCE = None


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE_SOURCE_PATH.read_text(encoding="utf-8")
    return _AXE_SOURCE


def axe_violations(page) -> list[dict]:
    """Run axe-core with the WCAG 2.0/2.1 A and AA rules and return its violations.

    axe is evaluated through the DevTools protocol (``page.evaluate``), which the page's
    Content Security Policy does not govern, so the CSP stays exactly as users get it
    (no ``bypass_csp``, no script tag).
    """
    # Never check a page half-way through a navigation or an htmx swap.
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => document.body && !document.querySelector('.htmx-request, .htmx-swapping,"
        " .htmx-settling')"
    )
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    # No rule is ever switched off: the target is zero violations, fixed at the source.
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate(
        "options => axe.run(document, options).then(r => ({rules: r.passes.length"
        " + r.violations.length, violations: r.violations.map(v => ({"
        "id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => ({target: n.target, html: n.html.slice(0, 200),"
        " summary: n.failureSummary}))}))}))",
        options,
    )
    # A page where axe applied almost no rule was not really checked (blank or not loaded).
    assert result["rules"] >= 10, f"axe applied only {result['rules']} rules on {page.url}"
    return result["violations"]


def heading_problems(page) -> list[str]:
    """One h1, and no level skipped going down (h2 -> h4). axe files these as best practice,
    outside the WCAG tags, so they are checked here (WCAG 1.3.1, 2.4.6)."""
    levels = page.evaluate(
        "() => Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))"
        ".filter(h => h.offsetParent !== null || h.getClientRects().length)"
        ".map(h => [parseInt(h.tagName[1]), h.textContent.trim().slice(0, 60)])"
    )
    problems = []
    ones = [text for level, text in levels if level == 1]
    if len(ones) != 1:
        problems.append(f"{len(ones)} h1 on {page.url}: {ones}")
    previous = 0
    for level, text in levels:
        if level > previous + 1 and previous:
            problems.append(f"h{previous} -> h{level} «{text}» on {page.url}")
        previous = level
    return problems


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html']}")
    return "\n".join(lines)


def assert_no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], (
        f"axe-core found WCAG 2.1 A/AA violations on {page.url}:\n" + format_violations(violations)
    )
