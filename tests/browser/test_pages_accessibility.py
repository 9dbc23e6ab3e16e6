"""axe-core (WCAG 2.0/2.1 A and AA) on every page a person reaches: zero violations."""

import pytest
from django.conf import settings
from django.template.loader import render_to_string

from tests.browser.conftest import assert_no_axe_violations, axe_violations, login

pytestmark = pytest.mark.browser


def test_the_axe_harness_reports_a_real_violation(page):
    """Guards the harness itself: an image without alt text must be reported."""
    page.goto("/accounts/login/")
    page.evaluate(
        "() => { const img = document.createElement('img'); img.src = '/static/none.png';"
        " document.querySelector('main').appendChild(img); }"
    )
    assert [v["id"] for v in axe_violations(page)] == ["image-alt"]


def test_login_page(page):
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.title() == "Accedi · PA Planner · " + settings.COMUNE_NAME
    assert_no_axe_violations(page)


def test_login_page_with_an_error_ties_the_message_to_the_fields(page, editor_user):
    page.goto("/accounts/login/")
    page.get_by_label("Nome utente").fill(editor_user.username)
    page.get_by_label("Password").fill("sbagliata")
    page.get_by_role("button", name="Accedi", exact=True).last.click()
    alert = page.get_by_role("alert")
    assert "nome utente" in alert.inner_text().lower()
    field = page.get_by_label("Password")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "login-errors"
    assert page.get_by_label("Nome utente").input_value() == editor_user.username
    assert_no_axe_violations(page)


def test_accessibility_statement(page):
    page.goto("/accessibilita/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dichiarazione di accessibilità"
    assert_no_axe_violations(page)


def test_public_events_page(page):
    page.goto("/eventi/")
    assert page.get_by_role("heading", level=1).count() == 1
    assert_no_axe_violations(page)


def test_locked_out_page_after_repeated_failures(page, editor_user):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        page.goto("/accounts/login/")
        page.get_by_label("Nome utente").fill(editor_user.username)
        page.get_by_label("Password").fill("sbagliata")
        page.get_by_role("button", name="Accedi", exact=True).last.click()
        page.wait_for_load_state()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Accesso temporaneamente bloccato"
    assert "riprova tra 15 minuti" in page.get_by_role("alert").inner_text()
    assert_no_axe_violations(page)


def test_not_found_page(page):
    response = page.goto("/non-esiste/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Pagina non trovata"
    assert_no_axe_violations(page)


def test_forbidden_page(page, role_groups, force_login):
    from tests.factories import UserFactory

    force_login(UserFactory(username="estraneo"))  # no role: the home page is not for them
    response = page.goto("/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Accesso non consentito"
    assert_no_axe_violations(page)


def test_error_pages_without_context(page):
    """500 renders with no request and no context processors: it must still be accessible."""
    page.goto("/accessibilita/")  # same origin, so the page's stylesheets load
    for template in ("500.html", "400.html", "403_csrf.html"):
        page.set_content(render_to_string(template))
        assert page.get_by_role("heading", level=1).count() == 1, template
        assert_no_axe_violations(page)


def test_home_page_of_an_editor_with_nothing_planned(page, editor_user):
    login(page, editor_user)
    assert page.url.endswith("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Buongiorno, Giulia"
    assert page.get_by_text("Nessun post pianificato.").is_visible()
    assert_no_axe_violations(page)
