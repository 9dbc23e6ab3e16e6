"""In a real browser: the website variant's Notizia fields with their live checks and preview,
and the newsletter's real email in its sandboxed frames on the review page; axe finds nothing."""

import pytest

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus as S
from apps.planning.news import field_name
from tests.browser import conftest as harness
from tests.factories import ChannelFactory
from tests.review.factories import post_in

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
approver_user = harness.approver_user
force_login = harness.force_login
assert_no_axe_violations = harness.assert_no_axe_violations

TEXT = "Il ponte di via Roma riapre lunedì.\n\nSenso unico fino alle 18."


def test_the_editor_checks_the_notizia_fields_live_and_previews_them(
    page, editor_user, force_login
):
    website = ChannelFactory(name="Sito del Comune", kind=ChannelKind.WEBSITE)
    post = post_in(S.DRAFT, author=editor_user, channels=[website], base_text=TEXT)
    post.variants.update(public_title="Il ponte riapre")
    force_login(editor_user)
    page.goto(f"/calendario/{post.pk}/modifica/")
    assert_no_axe_violations(page)

    page.locator(f"#id_{field_name('summary', website.pk)}").fill("Riapre il <ponte>.")
    page.locator(f"#id_{field_name('topics', website.pk)}").fill("Mobilità, Lavori pubblici")
    page.locator(f"#id_{field_name('type', website.pk)}").select_option("avviso")

    checks = page.locator(f"#checks-{website.pk}")
    checks.get_by_text("Descrizione breve: 18 caratteri su 255").wait_for()
    assert "Indica l'ufficio che cura la notizia" in checks.inner_text()
    preview = page.locator(f"#preview-{website.pk}")
    preview.get_by_text("Riapre il <ponte>.", exact=True).wait_for()
    preview.locator("dd", has_text="Avviso").wait_for()  # each field refreshes the preview
    preview.get_by_text("Lavori pubblici", exact=True).wait_for()
    assert_no_axe_violations(page)


def test_the_review_page_frames_the_real_email_sandboxed(
    page, editor_user, approver_user, force_login
):
    newsletter = ChannelFactory(name="Newsletter", kind=ChannelKind.NEWSLETTER)
    post = post_in(S.IN_REVIEW, author=editor_user, channels=[newsletter], base_text=TEXT)
    post.variants.update(public_title="Il ponte riapre")
    force_login(approver_user)
    page.goto(f"/revisione/post/{post.pk}/")

    page.get_by_text("L'email com'è inviata (HTML e testo)").click()

    html = page.frame_locator("iframe.email-frame >> nth=0")
    html.get_by_text("Senso unico fino alle 18.").wait_for()
    text = page.frame_locator("iframe.email-frame-text")
    text.get_by_text("Oggetto: Il ponte riapre", exact=False).wait_for()
    assert page.locator("iframe.email-frame[sandbox='']").count() == 2
    assert_no_axe_violations(page)
