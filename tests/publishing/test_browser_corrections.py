"""In a real browser: an editor corrects a published Notizia (the form prefilled, an error keeps
what was typed), an approver compares before and after and approves, the post page shows each
channel's outcome; axe finds nothing on any of these pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus as S
from apps.planning.news import field_name
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Correction, Delivery
from tests.browser import conftest as harness
from tests.factories import ChannelFactory
from tests.planning.news import NEWS_COLUMNS
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


def test_an_editor_corrects_and_an_approver_approves_with_no_axe_violations(
    page, editor_user, approver_user, force_login
):
    wordpress = ChannelFactory(
        name="Sito comunale",
        kind=ChannelKind.WORDPRESS,
        config={"base_url": "https://www.comune.esempio.it", "username": "redazione"},
    )
    telegram = ChannelFactory(name="Telegram Comune")
    post = post_in(
        S.PUBLISHED,
        author=editor_user,
        channels=[wordpress, telegram],
        base_text="Lunedì riapre il ponte.",
        planned_at=timezone.now() - timedelta(hours=1),
    )
    post.variants.filter(channel=wordpress).update(
        public_title="Il ponte riapre lunedì", text="Lunedì riapre il ponte.", **NEWS_COLUMNS
    )
    for variant in post.variants.all():
        Delivery.objects.create(
            variant=variant, due_at=post.planned_at, state=D.SENT, external_id=f"{variant.pk}"
        )

    force_login(editor_user)
    page.goto(f"/calendario/{post.pk}/")
    page.get_by_role("link", name="Correggi").click()
    title = page.locator(f"#id_public_title_{wordpress.pk}")
    assert title.input_value() == "Il ponte riapre lunedì"
    assert_no_axe_violations(page)

    title.fill("Il ponte riapre martedì")
    page.locator(f"#id_{field_name('summary', wordpress.pk)}").fill("")  # required there
    page.get_by_role("button", name="Proponi la correzione").click()
    page.locator("[data-error-summary]").wait_for()
    assert title.input_value() == "Il ponte riapre martedì"  # kept
    assert_no_axe_violations(page)

    page.locator(f"#id_{field_name('summary', wordpress.pk)}").fill("Riapre martedì.")
    page.get_by_role("button", name="Proponi la correzione").click()
    page.get_by_role("heading", name="Prima e dopo").wait_for()
    correction = Correction.objects.get()
    assert_no_axe_violations(page)

    force_login(approver_user)
    page.goto("/revisione/")
    page.get_by_role("link", name="Correzione di «").click()
    page.get_by_text("Sito comunale: aggiornato").wait_for()
    page.get_by_text("Telegram Comune: resta come pubblicato").wait_for()
    assert_no_axe_violations(page)
    page.locator("label[for=id_decision_0]").click()  # Bootstrap Italia draws the radio
    page.get_by_role("button", name="Conferma").click()

    page.get_by_role("heading", name="Correzioni dopo la pubblicazione").wait_for()
    assert page.url.endswith(f"/calendario/{post.pk}/")
    page.get_by_text("Resta come pubblicato").wait_for()
    assert_no_axe_violations(page)
    correction.refresh_from_db()
    assert correction.status == "approved"
