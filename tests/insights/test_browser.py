"""The "Risultati" pages in a real browser under the real CSP: axe-core finds nothing, the
headings are in order, the charts draw without a CSP complaint, the PDF link downloads."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.insights.models import AccountFigure
from tests.browser import conftest as harness
from tests.insights.conftest import make_channel, reading, sent_delivery

pytestmark = pytest.mark.browser

browser = harness.browser
context = harness.context
page = harness.page
role_groups = harness.role_groups
editor_user = harness.editor_user
force_login = harness.force_login


@pytest.fixture
def results(transactional_db):
    """A month of results on two channels, with followers, and a Telegram channel."""
    facebook = make_channel(ChannelKind.FACEBOOK, name="Facebook · Comune")
    mastodon = make_channel(ChannelKind.MASTODON, name="Mastodon · Comune")
    make_channel(ChannelKind.TELEGRAM, name="Telegram · Comune")
    today = timezone.localdate()
    start = today.replace(day=1)
    first = None
    for n in range(12):
        sent_at = timezone.now().replace(day=1, hour=8 + n % 10) + timedelta(days=n % 20)
        if sent_at.date() >= today:
            sent_at = timezone.now() - timedelta(hours=2 + n)
        for channel in (facebook, mastodon):
            delivery = sent_delivery(channel, sent_at=sent_at, external_id=f"{channel.pk}-{n}")
            reading(delivery, "1h", latest=False, reactions=3 + n, comments=1, shares=0)
            reading(
                delivery,
                "24h",
                reactions=10 + 3 * n,
                comments=2,
                shares=1,
                impressions=500 + 40 * n if channel == facebook else None,
            )
            first = first or delivery
    for d in range((today - start).days + 1):
        AccountFigure.objects.create(
            channel=facebook, day=start + timedelta(days=d), followers=8000 + 7 * d
        )
    return first


def _csp_errors(page):
    errors = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return errors


def test_the_period_page_is_accessible_and_draws_its_charts_under_the_csp(
    page, editor_user, force_login, results
):
    csp = _csp_errors(page)
    force_login(editor_user)

    page.goto("/risultati/")

    assert page.get_by_role("heading", level=1, name="Risultati").is_visible()
    assert page.locator("svg.chart").count() >= 3
    assert page.get_by_role("img", name="Interazioni per canale").is_visible()
    assert page.get_by_role("table", name="Interazioni per canale").is_visible()
    harness.assert_no_axe_violations(page)
    assert harness.heading_problems(page) == []
    assert csp == []

    # Filters keep what was chosen.
    page.get_by_label("Canale", exact=True).select_option(label="Facebook · Comune")
    page.get_by_role("button", name="Mostra").click()
    page.wait_for_url("**canale=*")
    assert page.get_by_label("Canale", exact=True).input_value() != ""
    harness.assert_no_axe_violations(page)


def test_the_post_page_and_the_yearly_report_are_accessible(
    page, editor_user, force_login, results
):
    csp = _csp_errors(page)
    force_login(editor_user)

    page.goto(f"/risultati/post/{results.variant.post_id}/")
    assert page.locator(".small-multiples svg.chart").count() >= 1
    harness.assert_no_axe_violations(page)
    assert harness.heading_problems(page) == []

    page.goto(f"/risultati/anno/{date.today().year}/")
    assert page.get_by_role("heading", level=1).is_visible()
    harness.assert_no_axe_violations(page)
    assert harness.heading_problems(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica il PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert csp == []
