"""The templates keep to the Content Security Policy: no inline script, handler or style.

The CSP (script-src/style-src 'self') would block them in the browser; this scan names the
offending file and line so they are fixed at the source instead of silently not working.
"""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.permissions import make_cast

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *sorted((ROOT / "apps").glob("*/templates"))]

# <script ...>something</script>: a script with a body (a src-only tag is fine).
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>(?P<body>.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
# Data blocks (JSON-LD, JSON read by a static script): never executed, so the CSP allows them.
DATA_BLOCK = re.compile(r'\btype\s*=\s*["\']application/(ld\+)?json["\']', re.IGNORECASE)
# onclick=, onload=, … and htmx's hx-on (which evaluates its value as script).
HANDLER_ATTRIBUTE = re.compile(
    r"<[a-zA-Z][^>]*?\s(?P<attr>on[a-z]+|hx-on[\w:.-]*|data-hx-on[\w:.-]*)\s*=", re.DOTALL
)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\s(?P<attr>style)\s*=", re.DOTALL)
STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def _template_files() -> list[Path]:
    files = []
    for folder in TEMPLATE_DIRS:
        files.extend(p for p in folder.rglob("*") if p.suffix in {".html", ".txt", ".xml"})
    return sorted(files)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def csp_offences(path: Path, text: str) -> list[str]:
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    found = []
    for match in INLINE_SCRIPT.finditer(text):
        if DATA_BLOCK.search(match.group(0).split(">", 1)[0]):
            continue  # JSON-LD is data the browser never runs: the CSP does not apply to it
        if match.group("body").strip():
            found.append(f"{where}:{_line_of(text, match.start())}: inline <script> with a body")
    for match in HANDLER_ATTRIBUTE.finditer(text):
        line = _line_of(text, match.start("attr"))
        found.append(f"{where}:{line}: inline event handler {match.group('attr')}=")
    for match in STYLE_ATTRIBUTE.finditer(text):
        found.append(f"{where}:{_line_of(text, match.start('attr'))}: style= attribute")
    for match in STYLE_TAG.finditer(text):
        found.append(f"{where}:{_line_of(text, match.start())}: <style> tag")
    for match in JAVASCRIPT_URL.finditer(text):
        found.append(f"{where}:{_line_of(text, match.start())}: javascript: URL")
    return found


def test_no_template_has_inline_script_handlers_or_styles():
    offences = []
    for path in _template_files():
        if path.suffix == ".txt":
            continue  # plain-text e-mails are not HTML
        offences.extend(csp_offences(path, path.read_text(encoding="utf-8")))
    assert offences == [], "Templates break the CSP:\n" + "\n".join(offences)


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("<script>alert(1)</script>", "inline <script> with a body"),
        ('<button onclick="go()">', "inline event handler onclick="),
        ('<div hx-on:click="go()">', "inline event handler hx-on:click="),
        ('<p class="x"\n   style="color:red">', "style= attribute"),
        ("<style>p{}</style>", "<style> tag"),
        ('<a href="javascript:go()">', "javascript: URL"),
    ],
)
def test_the_scan_catches_each_kind_of_offence(tmp_path, snippet, expected):
    path = tmp_path / "bad.html"
    assert [o.split(": ", 1)[1] for o in csp_offences(path, snippet)] == [expected]


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="/static/js/app.js" defer></script>',
        '<script type="application/ld+json">{"@type": "Event"}</script>',
        '<p data-confirm="Sei sicuro?">Prenotazione online</p>',
        '<input name="phone" data-on="1">',
        "<p>Il servizio è attivo online=sempre</p>",
    ],
)
def test_the_scan_accepts_what_the_csp_allows(tmp_path, snippet):
    assert csp_offences(tmp_path / "ok.html", snippet) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name", ["login", "accessibility", "events:public_list", "healthz", "home"]
)
def test_every_response_carries_a_strict_csp(admin_client_, url_name):
    response = admin_client_.get(reverse(url_name))
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.django_db
def test_error_pages_carry_the_csp_too():
    response = Client().get("/pagina-che-non-esiste/")
    assert response.status_code == 404
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.fixture
def matrix_cast(db):
    return make_cast("c")


def _get_rows():
    from tests.test_permission_matrix import ROWS

    seen, rows = set(), []
    for row in ROWS:
        if row.method == "GET" and row.url_name not in seen:
            seen.add(row.url_name)
            rows.append(row)
    return rows


@pytest.mark.parametrize("row", _get_rows(), ids=lambda r: r.url_name)
def test_every_page_of_the_permission_matrix_has_a_csp_without_unsafe_inline(
    client, matrix_cast, row
):
    kwargs = row.make_kwargs(matrix_cast) if row.make_kwargs else {}
    client.force_login(matrix_cast["admin"])
    response = client.get(reverse(row.url_name, kwargs=kwargs) + row.query)
    assert response.status_code < 500
    if response.headers.get("Content-Type", "").startswith("text/html"):
        policy = response.headers.get("Content-Security-Policy", "")
        # The newsletter's email frame allows no script at all (planning.views).
        scripts = "script-src 'none'" if row.url_name == "planning:newsletter_email" else ""
        assert "script-src 'self'" in policy or (scripts and scripts in policy), (
            f"{row.url_name}: no CSP"
        )
        assert "unsafe-inline" not in policy, f"{row.url_name}: {policy}"


# The app's own scripts (not the vendored ones): no string evaluation (the CSP has no
# 'unsafe-eval'), no HTML built from strings (user text would become markup).
UNSAFE_JS = re.compile(
    r"\beval\s*\(|new\s+Function\s*\(|\.innerHTML\s*=|\.outerHTML\s*=|document\.write\s*\("
    r"|insertAdjacentHTML\s*\(|set(?:Timeout|Interval)\s*\(\s*[\"'`]"
)


def test_the_apps_scripts_never_evaluate_strings_or_build_html():
    offences = []
    for path in sorted((ROOT / "static" / "js").rglob("*.js")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if UNSAFE_JS.search(line):
                offences.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offences == [], "Unsafe script constructs:\n" + "\n".join(offences)


@pytest.mark.parametrize(
    "line",
    ["eval(code)", "x.innerHTML = text", "setTimeout('go()', 5)", "new Function('a', 'b')"],
)
def test_the_script_scan_catches_unsafe_constructs(line):
    assert UNSAFE_JS.search(line)
