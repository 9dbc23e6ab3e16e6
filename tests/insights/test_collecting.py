"""Collecting: four readings per sent delivery (+1 h, +24 h, +7 d, +30 d) then none; each
one once; spread over time; waiting out rate limits; stopping for deleted posts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.insights import collecting
from apps.insights.enums import JITTER, OFFSET, Bucket, SnapshotState
from apps.insights.models import AccountFigure, MetricSnapshot, NewsletterFigure
from apps.newsletter.models import Subscriber
from apps.publishing.adapters.base import GoneError, PostMetrics, TransientError
from tests.insights.conftest import make_channel, sent_delivery

pytestmark = pytest.mark.django_db
S = SnapshotState


def _take_all_due(now):
    return [collecting.take_snapshot(i, now=now) for i in collecting.claim_due(now=now)]


def test_a_sent_delivery_gets_four_readings_planned_from_its_sending_time():
    sent_at = timezone.now() - timedelta(minutes=5)
    delivery = sent_delivery(make_channel(), sent_at=sent_at)

    assert collecting.plan_new() == 1

    rows = {s.bucket: s for s in MetricSnapshot.objects.filter(delivery=delivery)}
    assert set(rows) == {"1h", "24h", "7d", "30d"}
    for bucket, row in rows.items():
        assert row.phase == S.DUE
        assert sent_at + OFFSET[bucket] <= row.due_at <= sent_at + OFFSET[bucket] + JITTER[bucket]


def test_planning_twice_plans_once():
    sent_delivery(make_channel())

    collecting.plan_new()
    collecting.plan_new()

    assert MetricSnapshot.objects.count() == 4


def test_a_channel_that_gives_no_numbers_is_marked_so_and_never_read():
    delivery = sent_delivery(make_channel(ChannelKind.TELEGRAM))

    collecting.plan_new()

    states = set(MetricSnapshot.objects.filter(delivery=delivery).values_list("phase", flat=True))
    assert states == {S.NONE}
    assert collecting.claim_due(now=timezone.now() + timedelta(days=40)) == []


def test_the_readings_of_a_busy_morning_are_spread_over_hours_not_one_minute():
    channel = make_channel()
    sent_at = timezone.now() - timedelta(minutes=1)
    for n in range(200):
        sent_delivery(channel, sent_at=sent_at, external_id=n)
    collecting.plan_new()

    due = MetricSnapshot.objects.filter(bucket=Bucket.DAY).values_list("due_at", flat=True)
    by_ten_minutes = {int((d - sent_at).total_seconds() // 600) for d in due}
    assert len(by_ten_minutes) >= 10  # at least 10 of the 12 ten-minute windows of 2 hours


def test_a_tick_claims_at_most_a_batch_and_never_the_same_rows_twice(settings):
    settings.INSIGHTS_BATCH = 3
    channel = make_channel()
    for n in range(5):
        sent_delivery(channel, sent_at=timezone.now() - timedelta(hours=2), external_id=n)
    collecting.plan_new()
    now = timezone.now()

    first = collecting.claim_due(now=now)
    second = collecting.claim_due(now=now)
    third = collecting.claim_due(now=now)

    assert len(first) == 3
    assert len(second) == 2
    assert not set(first) & set(second)
    assert third == []


def test_the_figures_are_read_from_the_network_once_per_moment(mastodon_server):
    channel = make_channel(server=mastodon_server)
    status = mastodon_server.add_status("Isola ecologica: nuovi orari")
    mastodon_server.set_figures(status["id"], reactions=40, comments=5, shares=7)
    sent_at = timezone.now() - timedelta(hours=2)
    delivery = sent_delivery(channel, sent_at=sent_at, external_id=status["id"])
    collecting.plan_new()

    assert _take_all_due(timezone.now()) == [S.TAKEN]

    hour = MetricSnapshot.objects.get(delivery=delivery, bucket=Bucket.HOUR)
    assert (hour.reactions, hour.comments, hour.shares, hour.impressions) == (40, 5, 7, None)
    assert hour.is_latest
    reads = mastodon_server.requests_to(f"/api/v1/statuses/{status['id']}", method="GET")
    assert len(reads) == 1
    # Again, now: the moment was read; the next one is not due yet.
    assert _take_all_due(timezone.now()) == []


def test_reading_the_same_row_twice_changes_nothing(adapter_override):
    class Counting:
        kind = "mastodon"
        calls = 0

        def metrics(self, **kwargs):
            Counting.calls += 1
            return PostMetrics(reactions=Counting.calls)

    adapter_override(Counting(), kind="mastodon")
    sent_delivery(make_channel(), sent_at=timezone.now() - timedelta(hours=2))
    collecting.plan_new()
    [snapshot_id] = collecting.claim_due()

    assert collecting.take_snapshot(snapshot_id) == S.TAKEN
    assert collecting.take_snapshot(snapshot_id) == "skipped"

    assert MetricSnapshot.objects.get(pk=snapshot_id).reactions == 1


def test_after_thirty_days_the_latest_reading_is_the_month_and_nothing_more_is_due(
    adapter_override,
):
    class Growing:
        kind = "mastodon"

        def __init__(self):
            self.reactions = 0

        def metrics(self, **kwargs):
            self.reactions += 10
            return PostMetrics(reactions=self.reactions)

    adapter_override(Growing(), kind="mastodon")
    sent_at = timezone.now() - timedelta(days=40)
    delivery = sent_delivery(make_channel(), sent_at=sent_at)
    collecting.plan_new(now=sent_at)
    for days in (0.1, 1.2, 7.5, 31):
        _take_all_due(sent_at + timedelta(days=days))

    rows = MetricSnapshot.objects.filter(delivery=delivery)
    assert sorted(rows.values_list("reactions", flat=True)) == [10, 20, 30, 40]
    assert rows.get(is_latest=True).bucket == Bucket.MONTH
    assert collecting.claim_due(now=sent_at + timedelta(days=400)) == []


def test_a_post_deleted_on_the_network_stops_being_read(adapter_override):
    class Deleted:
        kind = "mastodon"

        def metrics(self, **kwargs):
            raise GoneError("mastodon: post non più presente", status=404)

    adapter_override(Deleted(), kind="mastodon")
    delivery = sent_delivery(make_channel(), sent_at=timezone.now() - timedelta(hours=2))
    collecting.plan_new()

    assert _take_all_due(timezone.now()) == [S.GONE]

    states = set(MetricSnapshot.objects.filter(delivery=delivery).values_list("phase", flat=True))
    assert states == {S.GONE}


def test_a_delivery_deleted_from_the_office_stops_being_read(adapter_override):
    delivery = sent_delivery(make_channel(), sent_at=timezone.now() - timedelta(hours=2))
    collecting.plan_new()
    type(delivery).objects.filter(pk=delivery.pk).update(deleted_at=timezone.now())

    assert _take_all_due(timezone.now()) == [S.GONE]


def test_a_rate_limit_puts_off_every_due_reading_of_that_channel(adapter_override):
    class Limited:
        kind = "mastodon"

        def metrics(self, **kwargs):
            raise TransientError("mastodon: Too many requests", status=429, retry_after=600)

    adapter_override(Limited(), kind="mastodon")
    channel, other = make_channel(), make_channel(ChannelKind.X)
    for n in range(3):
        sent_delivery(channel, sent_at=timezone.now() - timedelta(hours=2), external_id=n)
    sent_delivery(other, sent_at=timezone.now() - timedelta(hours=2))
    collecting.plan_new()
    now = timezone.now()
    first = MetricSnapshot.objects.filter(channel=channel, bucket=Bucket.HOUR).first()

    assert collecting.take_snapshot(first.pk, now=now) == S.DUE

    due_hour = MetricSnapshot.objects.filter(bucket=Bucket.HOUR)
    for row in due_hour.filter(channel=channel):
        assert row.due_at >= now + timedelta(seconds=600)
    assert due_hour.get(channel=other).due_at < now  # another network is not held up
    assert MetricSnapshot.objects.get(pk=first.pk).attempts == 1


def test_a_reading_that_keeps_failing_gives_up_after_some_attempts(adapter_override):
    class Broken:
        kind = "mastodon"

        def metrics(self, **kwargs):
            raise TransientError("mastodon: 503")

    adapter_override(Broken(), kind="mastodon")
    sent_delivery(make_channel(), sent_at=timezone.now() - timedelta(hours=2))
    collecting.plan_new()
    snapshot = MetricSnapshot.objects.get(bucket=Bucket.HOUR)

    states = [collecting.take_snapshot(snapshot.pk) for _ in range(collecting.MAX_ATTEMPTS)]

    assert states[-1] == S.FAILED
    assert set(states[:-1]) == {S.DUE}


def test_followers_and_newsletter_subscribers_are_stored_once_a_day(mastodon_server):
    channel = make_channel(server=mastodon_server)
    make_channel(ChannelKind.NEWSLETTER)  # counted below, from the subscribers
    mastodon_server.followers = 5120
    Subscriber.objects.create(email="a@example.it", confirmed_at=timezone.now())
    Subscriber.objects.create(email="b@example.it")
    Subscriber.objects.create(
        email="c@example.it", confirmed_at=timezone.now(), unsubscribed_at=timezone.now()
    )

    collecting.collect_account_figures()
    mastodon_server.followers = 5125
    collecting.collect_account_figures()  # the same day again: updated, not doubled

    [figure] = AccountFigure.objects.all()
    assert (figure.channel, figure.followers) == (channel, 5125)
    [newsletter] = NewsletterFigure.objects.all()
    assert (newsletter.confirmed, newsletter.unsubscribed) == (1, 1)
