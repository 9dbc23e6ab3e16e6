"""The account pages in a real browser, axe-core on each: MFA enrolment and login,
recovery codes, re-authentication, password change and reset."""

import re
import time

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import security
from tests.accounts.mfa_helpers import current_code
from tests.browser import conftest as harness

pytestmark = pytest.mark.browser

browser = harness.browser
allow_orm_beside_playwright = harness.allow_orm_beside_playwright
context = harness.context
page = harness.page
role_groups = harness.role_groups
approver_user = harness.approver_user
editor_user = harness.editor_user
admin_person = harness.admin_person
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations


def test_an_approver_enrols_then_logs_in_with_the_code(page, approver_user, settings):
    settings.MFA_REQUIRED = True
    login(page, approver_user)
    page.wait_for_url(re.compile(r"/accounts/autenticatore/"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Configura l'autenticazione in due passaggi"
    )
    assert_no_axe_violations(page)

    page.get_by_label(re.compile("^Codice di verifica")).fill("000000")
    page.get_by_role("button", name="Attiva").click()
    page.wait_for_load_state()
    code_field = page.get_by_label(re.compile("^Codice di verifica"))
    assert code_field.get_attribute("aria-invalid") == "true"
    assert_no_axe_violations(page)

    device = TOTPDevice.objects.get(user=approver_user, confirmed=False)
    device.throttle_reset()  # a person takes longer than the 1 s pause after a wrong code
    page.get_by_label(re.compile("^Codice di verifica")).fill(current_code(device))
    page.get_by_role("button", name="Attiva").click()
    page.get_by_role("heading", name="Codici di recupero").wait_for()
    assert_no_axe_violations(page)

    page.goto("/accounts/sicurezza/")
    assert "Ti restano 10 codici di recupero" in page.content()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Esci").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    login(page, approver_user)
    page.wait_for_url(re.compile(r"/accounts/verifica/"))
    assert_no_axe_violations(page)
    page.get_by_label(re.compile("^Codice")).fill("111111")
    page.get_by_role("button", name="Verifica").click()
    page.wait_for_load_state()
    assert page.get_by_label(re.compile("^Codice")).get_attribute("aria-invalid") == "true"
    assert_no_axe_violations(page)


def test_reauth_and_password_pages_are_accessible(page, admin_person, live_server):
    login(page, admin_person)
    from django.contrib.sessions.models import Session

    for stored in Session.objects.all():
        data = stored.get_decoded()
        data[security.AUTH_AT] = time.time() - 3600
        stored.session_data = Session.objects.encode(data)
        stored.save()
    page.goto("/crisi/silenzio/nuovo/")
    assert page.get_by_role("heading", level=1).inner_text() == "Conferma la tua identità"
    assert_no_axe_violations(page)
    page.get_by_label("Password").fill("sbagliata")
    page.get_by_role("button", name="Conferma").click()
    page.get_by_role("alert").wait_for()
    assert_no_axe_violations(page)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Conferma").click()
    page.wait_for_url(re.compile(r"/crisi/silenzio/nuovo/"))
    assert page.get_by_role("heading", level=1).inner_text() != "Conferma la tua identità"

    page.goto("/accounts/password/")
    page.get_by_role("button", name="Cambia la password").click()
    page.wait_for_load_state()
    assert_no_axe_violations(page)
    page.get_by_label(re.compile("^Password attuale")).fill("pw")
    page.get_by_label(re.compile("^Nuova password")).fill("Girasole-del-porto-42")
    page.get_by_label(re.compile("^Conferma nuova password")).fill("Girasole-del-porto-42")
    page.get_by_role("button", name="Cambia la password").click()
    page.wait_for_url(re.compile(r"/accounts/password/fatto/"))
    assert_no_axe_violations(page)


def test_password_reset_pages_are_accessible(page, editor_user):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Password dimenticata?").click()
    page.wait_for_url(re.compile(r"/password/reimposta/"))
    assert_no_axe_violations(page)
    page.get_by_label(re.compile("^Email")).fill(editor_user.email)
    page.get_by_role("button", name="Invia il link").click()
    page.wait_for_url(re.compile(r"/reimposta/inviata/"))
    assert_no_axe_violations(page)

    link = re.search(r"https?://\S+/password/reimposta/\S+/", mail.outbox[-1].body).group(0)
    page.goto("/" + link.split("/", 3)[3])
    page.get_by_role("heading", name="Scegli una nuova password").wait_for()
    assert_no_axe_violations(page)
    page.get_by_label(re.compile("^Nuova password")).fill("Girasole-del-porto-42")
    page.get_by_label(re.compile("^Conferma nuova password")).fill("Girasole-del-porto-42")
    page.get_by_role("button", name="Salva la nuova password").click()
    page.wait_for_url(re.compile(r"/reimposta/fatto/"))
    assert_no_axe_violations(page)

    page.goto("/accounts/password/reimposta/MQ/non-valido/")
    assert page.get_by_role("heading", level=1).inner_text() == "Link non valido"
    assert_no_axe_violations(page)
