"""The crisis flow in a real browser: declare in two clicks plus the reason, see the banner,
end it, recover the paused posts; axe-core on every crisis page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.publishing.services import schedule_deliveries
from tests.browser import conftest as harness
from tests.crisis.factories import BlackoutFactory
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.browser

browser = harness.browser
allow_orm_beside_playwright = harness.allow_orm_beside_playwright
context = harness.context
page = harness.page
role_groups = harness.role_groups
approver_user = harness.approver_user
admin_person = harness.admin_person
login = harness.login
assert_no_axe_violations = harness.assert_no_axe_violations


def test_declare_see_the_banner_end_and_recover(page, approver_user):
    channel = ChannelFactory(name="Facebook · Comune", kind="facebook")
    post = PostFactory(
        title="Mercato del sabato",
        status=PostStatus.APPROVED,
        planned_at=timezone.now() + timedelta(days=1),
        channels=[channel],
    )
    schedule_deliveries(post=post)
    login(page, approver_user)

    page.get_by_role("link", name="Modalità crisi").first.click()
    page.wait_for_load_state()
    assert page.locator("[data-crisis-channels]").is_hidden()  # scope "all" by default
    assert_no_axe_violations(page)
    page.get_by_label("Motivo").fill("Allerta meteo rossa: esondazione del torrente")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Attiva la modalità crisi").click()

    banner = page.locator("#crisis-banner")
    assert "Allerta meteo rossa" in banner.inner_text()
    assert_no_axe_violations(page)
    page.goto("/")
    assert page.locator("#crisis-banner").is_visible()
    post.refresh_from_db()
    assert post.status == PostStatus.PAUSED

    page.goto("/crisi/")
    page.get_by_label("Nota di chiusura").fill("Allerta rientrata")
    page.get_by_role("button", name="Chiudi la crisi").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Post sospesi")
    assert page.locator("#crisis-banner").count() == 0
    assert "Facebook · Comune" in page.content()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Riprendi all'orario originale · Mercato del sabato").click()
    page.get_by_text("«Mercato del sabato» ripreso.").wait_for()
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED


def test_blackout_pages_are_accessible(page, admin_person):
    blackout = BlackoutFactory(reason="Elezioni comunali")
    login(page, admin_person)

    for path in ("/crisi/silenzio/", f"/crisi/silenzio/{blackout.pk}/", "/crisi/silenzio/nuovo/"):
        page.goto(path)
        assert page.get_by_role("heading", level=1).count() == 1
        assert_no_axe_violations(page)
    page.get_by_role("button", name="Salva", exact=True).click()
    page.wait_for_load_state()
    page.get_by_text("Controlla i campi segnalati").wait_for()
    assert_no_axe_violations(page)
    page.goto("/crisi/storico/")
    assert_no_axe_violations(page)
