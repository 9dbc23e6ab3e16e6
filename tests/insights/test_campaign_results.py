"""Campaigns in the results: a campaign filter on the "Risultati" page, and a campaign's page
showing what its posts reached (totals and per post), in a fixed number of queries."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind
from apps.insights.reports import Filters, Period, campaign_results, period_report
from apps.planning.models import Campaign, Post
from apps.publishing.models import LinkClickDay, ShortLink
from tests.factories import UserFactory
from tests.insights.conftest import make_channel, reading, sent_delivery

pytestmark = pytest.mark.django_db
ZONE = timezone.get_current_timezone()
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "month")


def at(day, hour=10):
    return datetime(2026, 3, day, hour, 0, tzinfo=ZONE)


@pytest.fixture
def editor(client):
    user = UserFactory(username="redattrice", role=Role.EDITOR)
    client.force_login(user)
    return user


@pytest.fixture
def tari():
    return Campaign.objects.create(
        name="TARI 2026", starts_on=date(2026, 3, 1), ends_on=date(2026, 4, 30)
    )


def in_campaign(delivery, campaign):
    Post.objects.filter(pk=delivery.variant.post_id).update(campaign=campaign)
    return delivery


def clicks(delivery, n, day=date(2026, 3, 5)):
    link = ShortLink.objects.create(
        code=f"c{delivery.pk}",
        url="https://www.comune.example.it/tari",
        post_id=delivery.variant.post_id,
        channel_id=delivery.variant.channel_id,
    )
    LinkClickDay.objects.create(link=link, day=day, clicks=n)


def test_the_campaign_filter_keeps_only_its_posts_and_their_clicks(tari):
    channel = make_channel()
    mine = in_campaign(sent_delivery(channel, sent_at=at(3), external_id=1), tari)
    other = sent_delivery(channel, sent_at=at(4), external_id=2)
    reading(mine, reactions=10, comments=1, shares=0)
    reading(other, reactions=90, comments=0, shares=0)
    clicks(mine, 7)
    clicks(other, 100)

    everything = period_report(MARCH)
    campaign = period_report(MARCH, Filters(campaign=tari.pk))

    assert everything.totals["reactions"] == 100
    assert campaign.totals["reactions"] == 10
    assert campaign.posts == 1
    assert campaign.site_clicks == 7


def test_the_results_page_offers_and_applies_the_campaign_filter(client, editor, tari):
    channel = make_channel()
    reading(in_campaign(sent_delivery(channel, sent_at=at(3)), tari), reactions=11)
    reading(sent_delivery(channel, sent_at=at(4), external_id=2), reactions=500)

    response = client.get(
        reverse("insights:report"),
        {"periodo": "month", "giorno": "2026-03-10", "campagna": tari.pk},
    )

    html = response.content.decode()
    assert 'name="campagna"' in html and "TARI 2026" in html
    assert response.context["report"].totals["reactions"] == 11
    assert "arriverà con le campagne" not in html


def test_an_unknown_campaign_in_the_query_shows_an_error_not_a_500(client, editor):
    response = client.get(reverse("insights:report"), {"campagna": "999999"})

    assert response.status_code == 200
    assert response.context["form"].errors["campagna"]


def test_campaign_results_add_up_each_post_over_its_channels(tari):
    mastodon = make_channel(name="Mastodon del Comune")
    facebook = make_channel(ChannelKind.FACEBOOK, name="Facebook del Comune")
    first = in_campaign(sent_delivery(mastodon, sent_at=at(3), external_id=1), tari)
    reading(first, reactions=10, comments=2, shares=1)
    second = in_campaign(sent_delivery(facebook, sent_at=at(5), external_id=2), tari)
    reading(second, reach=1200, reactions=30, comments=0, shares=4, link_clicks=25)
    clicks(second, 9)
    reading(sent_delivery(mastodon, sent_at=at(6), external_id=3), reactions=1000)

    results = campaign_results(tari.pk)

    assert results.totals["reactions"] == 40
    assert results.totals["reach"] == 1200  # Mastodon gives no reach: not counted as zero
    assert results.totals["link_clicks"] == 25
    assert results.totals["engagement"] == 13 + 34
    assert results.totals["site_clicks"] == 9
    assert [(r.channels, r.figures["reactions"], r.site_clicks) for r in results.posts] == [
        (["Mastodon del Comune"], 10, None),
        (["Facebook del Comune"], 30, 9),
    ]
    assert results.posts[0].figures["reach"] is None


def test_the_campaign_page_shows_its_results_and_links_to_the_results_page(client, editor, tari):
    channel = make_channel(ChannelKind.FACEBOOK, name="Facebook del Comune")
    delivery = in_campaign(sent_delivery(channel, sent_at=at(3)), tari)
    reading(delivery, reach=4321, reactions=55, comments=0, shares=0, link_clicks=12)

    response = client.get(reverse("planning:campaign_detail", args=[tari.pk]))

    html = response.content.decode()
    assert "Risultati della campagna" in html
    assert "4321" in html and "55" in html
    assert reverse("insights:post", args=[delivery.variant.post_id]) in html
    assert f"campagna={tari.pk}" in html and "periodo=custom" in html


def test_a_campaign_without_readings_says_so(client, editor, tari):
    response = client.get(reverse("planning:campaign_detail", args=[tari.pk]))

    assert "Nessun numero ancora" in response.content.decode()


@pytest.mark.parametrize("posts", [2, 20])
def test_the_campaign_page_reads_the_same_queries_for_2_or_20_posts_with_results(
    client, editor, tari, django_assert_max_num_queries, posts
):
    channels = [make_channel(), make_channel(ChannelKind.X)]
    for n in range(posts):
        delivery = in_campaign(
            sent_delivery(channels[n % 2], sent_at=at(1 + n % 28), external_id=n), tari
        )
        reading(delivery, reactions=n, comments=1, shares=0)
        clicks(delivery, n + 1)
    client.get(reverse("planning:campaign_detail", args=[tari.pk]))  # the bell's cache

    with django_assert_max_num_queries(13):
        response = client.get(reverse("planning:campaign_detail", args=[tari.pk]))

    assert response.status_code == 200
    assert len(response.context["results"].posts) == posts


@pytest.mark.parametrize("posts", [3, 30])
def test_the_period_page_with_a_campaign_reads_the_same_queries(
    client, editor, tari, django_assert_max_num_queries, posts
):
    channel = make_channel()
    for n in range(posts):
        delivery = in_campaign(sent_delivery(channel, sent_at=at(1 + n % 28), external_id=n), tari)
        reading(delivery, reactions=n, comments=1, shares=0)

    # 21, one more to check the chosen campaign, + the header bell's unread count
    with django_assert_max_num_queries(23):
        response = client.get(
            reverse("insights:report"),
            {"periodo": "month", "giorno": "2026-03-10", "campagna": tari.pk},
        )

    assert response.status_code == 200
