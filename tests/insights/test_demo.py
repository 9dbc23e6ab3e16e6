"""The insights demo: three months of results on the demo's channels, shown by the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts import demo as accounts_demo
from apps.accounts.roles import Role
from apps.channels import demo as channels_demo
from apps.insights import demo as insights_demo
from apps.insights.models import AccountFigure, MetricSnapshot, NewsletterFigure
from apps.insights.reports import Period, period_report
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    ctx: dict = {}
    accounts_demo.load(ctx)
    channels_demo.load(ctx)
    insights_demo.load(ctx)
    return ctx


def test_three_months_of_sent_posts_with_believable_readings_and_followers(demo, client):
    readings = MetricSnapshot.objects.count()
    insights_demo.load(demo)  # idempotent

    assert MetricSnapshot.objects.count() == readings
    posts = Post.objects.filter(status=PostStatus.PUBLISHED)
    assert posts.count() >= 90
    assert not Delivery.objects.filter(variant__post__in=posts).exclude(state=DeliveryState.SENT)
    assert MetricSnapshot.objects.filter(phase="taken", bucket="30d").count() > 100
    assert MetricSnapshot.objects.filter(phase="none").exists()  # Telegram
    # Facebook, Instagram, X, LinkedIn, Mastodon, Bluesky, Threads and Telegram's subscribers
    assert AccountFigure.objects.values("channel").distinct().count() == 8
    bluesky = MetricSnapshot.objects.filter(channel__kind="bluesky", phase="taken")
    threads = MetricSnapshot.objects.filter(channel__kind="threads", phase="taken")
    assert bluesky.exists() and not bluesky.exclude(impressions=None).exists()  # no views
    assert threads.exists() and not threads.filter(impressions=None).exists()
    assert NewsletterFigure.objects.count() == 90

    # Believable: the quarter's figures look like a Comune's.
    today = timezone.localdate()
    report = period_report(Period(today - timedelta(days=92), today))

    assert report.totals["impressions"] > 100_000
    facebook = next(r for r in report.by_channel if r["channel"].startswith("Facebook"))
    instagram = next(r for r in report.by_channel if r["channel"].startswith("Instagram"))
    assert facebook["impressions"] > instagram["impressions"]  # Facebook reaches most
    assert all(r["growth"] > 0 for r in report.followers)

    client.force_login(demo["users"][Role.EDITOR])
    assert client.get(reverse("insights:report")).status_code == 200
