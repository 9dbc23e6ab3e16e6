"""Response times and campaign results in a real browser under the real CSP: axe-core finds
nothing on the "Risultati" page filtered by campaign nor on a campaign's page with results."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.inbox.models import ResponseTime
from apps.planning.models import Campaign, Post
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
def campaign(transactional_db):
    """A campaign with two posts read on Facebook and Mastodon, and answers to citizens."""
    facebook = make_channel(ChannelKind.FACEBOOK, name="Facebook · Comune")
    mastodon = make_channel(ChannelKind.MASTODON, name="Mastodon · Comune")
    today = timezone.localdate()
    tari = Campaign.objects.create(
        name="TARI", starts_on=today.replace(day=1), ends_on=today + timedelta(days=30)
    )
    now = timezone.now()
    for n, channel in enumerate((facebook, mastodon)):
        delivery = sent_delivery(channel, sent_at=now - timedelta(hours=3 + n), external_id=n)
        Post.objects.filter(pk=delivery.variant.post_id).update(campaign=tari)
        reading(delivery, reach=900 if n == 0 else None, reactions=20 + n, comments=2, shares=1)
        ResponseTime.objects.create(
            channel=channel,
            kind="comment",
            waited_from=now - timedelta(hours=2),
            answered_at=now - timedelta(hours=1),
            working_seconds=3600 * (n + 1),
            target_seconds=8 * 3600,
        )
    return tari


def test_the_results_page_with_response_times_and_a_campaign_is_accessible(
    page, editor_user, force_login, campaign
):
    force_login(editor_user)

    page.goto(f"/risultati/?campagna={campaign.pk}")

    assert page.get_by_role("combobox", name="Campagna").input_value() == str(campaign.pk)
    assert page.get_by_role("table", name="Tempi di risposta ai cittadini per canale").is_visible()
    assert page.get_by_role("img", name="Risposte entro l'obiettivo").is_visible()
    harness.assert_no_axe_violations(page)
    assert harness.heading_problems(page) == []


def test_the_campaign_page_with_its_results_is_accessible(page, editor_user, force_login, campaign):
    force_login(editor_user)

    page.goto(f"/calendario/campagne/{campaign.pk}/")

    assert page.get_by_role("heading", name="Risultati della campagna").is_visible()
    assert page.get_by_role("table", name="Risultati per post della campagna TARI").count() == 1
    harness.assert_no_axe_violations(page)
    assert harness.heading_problems(page) == []


def test_the_yearly_report_with_response_times_is_accessible(
    page, editor_user, force_login, campaign
):
    force_login(editor_user)

    page.goto(f"/risultati/anno/{timezone.localdate().year}/")

    assert page.get_by_role("heading", name="Le risposte ai cittadini").is_visible()
    assert page.get_by_role("table", name="Tempi di risposta ai cittadini per canale").is_visible()
    harness.assert_no_axe_violations(page)
    assert harness.heading_problems(page) == []
