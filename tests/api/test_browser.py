# ruff: noqa: F811 - the browser fixtures are imported by name, then requested as arguments
"""The token page and the API docs in Chromium: strict CSP kept, axe-core clean. The browser
fixtures are those of tests/browser."""

import pytest

from tests.browser.conftest import (  # noqa: F401 - fixtures
    assert_no_axe_violations,
    browser,
    context,
    editor_user,
    force_login,
    heading_problems,
    page,
    role_groups,
)

pytestmark = pytest.mark.browser


def _csp_errors(page) -> list[str]:
    errors = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return errors


def test_the_api_docs_load_under_the_csp_and_pass_axe(page):
    errors = _csp_errors(page)
    response = page.goto("/api/v1/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()

    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert page.locator(".swagger-ui .opblock").count() >= 14
    assert errors == []
    # Swagger UI's own markup goes from its h1 (the API's title) to h3 per tag: a skipped
    # level, which axe files as best practice outside WCAG A/AA. One h1 at least holds.
    assert [p for p in heading_problems(page) if "h1 on" in p] == []
    assert_no_axe_violations(page)


def test_the_token_page_creates_and_shows_a_token_once(page, editor_user, force_login):
    errors = _csp_errors(page)
    force_login(editor_user)
    page.goto("/accounts/token/")
    assert_no_axe_violations(page)

    page.get_by_label("Nome").fill("Foglio dell'URP")
    # Bootstrap Italia draws the box on the label: a person clicks the label.
    page.locator("label[for=id_scopes_0]").click()
    assert page.get_by_label("Lettura (post, rubriche, eventi, crisi, silenzi)").is_checked()
    page.get_by_role("button", name="Crea il token").click()

    assert page.get_by_label("Il token").input_value().startswith("pap_")
    assert page.get_by_role("cell", name="Foglio dell'URP", exact=True).count() == 1
    assert errors == []
    assert_no_axe_violations(page)
