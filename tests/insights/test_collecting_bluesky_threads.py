"""Bluesky and Threads posts are read by the collector like the other networks, over real
HTTP against the local servers: figures stored once per moment, a deleted post stops being
read, a rate limit puts off the channel's readings by the service's own wait, followers daily."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.insights import collecting
from apps.insights.enums import Bucket, SnapshotState
from apps.insights.models import AccountFigure, MetricSnapshot
from apps.publishing.adapters.base import PublishRequest
from apps.publishing.adapters.registry import get_adapter
from tests.channel_servers import start_server
from tests.insights.conftest import make_channel, sent_delivery

pytestmark = pytest.mark.django_db
S = SnapshotState
KINDS = [ChannelKind.BLUESKY, ChannelKind.THREADS]


@pytest.fixture(params=KINDS, ids=str)
def network(request):
    server = start_server(str(request.param))
    yield request.param, server
    server.stop()


def _published(kind, server, text="Isola ecologica: nuovi orari da lunedì") -> str:
    """A post really published on the local server, as the sender would have."""
    result = get_adapter(str(kind)).publish(
        PublishRequest(
            delivery_id=1,
            idempotency_key="k",
            text=text,
            config={**server.config, "read_timeout": 3},
            secret=server.token,
        )
    )
    return result.external_id


def _take_all_due(now):
    return [collecting.take_snapshot(i, now=now) for i in collecting.claim_due(now=now)]


def test_the_figures_are_read_once_per_moment(network):
    kind, server = network
    channel = make_channel(kind, server=server)
    external_id = _published(kind, server)
    server.set_figures(external_id, reactions=40, comments=5, shares=8, impressions=900)
    delivery = sent_delivery(
        channel, sent_at=timezone.now() - timedelta(hours=2), external_id=external_id
    )
    collecting.plan_new()

    assert _take_all_due(timezone.now()) == [S.TAKEN]
    assert _take_all_due(timezone.now()) == []  # the next moment is not due yet

    hour = MetricSnapshot.objects.get(delivery=delivery, bucket=Bucket.HOUR)
    assert (hour.reactions, hour.comments, hour.shares) == (40, 5, 8)
    # Threads counts views; Bluesky does not: unknown, not zero.
    assert hour.impressions == (900 if kind == ChannelKind.THREADS else None)


def test_a_post_deleted_on_the_network_stops_being_read(network):
    kind, server = network
    channel = make_channel(kind, server=server)
    external_id = _published(kind, server)
    delivery = sent_delivery(
        channel, sent_at=timezone.now() - timedelta(hours=2), external_id=external_id
    )
    collecting.plan_new()
    server.items.clear()  # removed in the network's own app

    assert _take_all_due(timezone.now()) == [S.GONE]
    phases = set(MetricSnapshot.objects.filter(delivery=delivery).values_list("phase", flat=True))
    assert phases == {S.GONE}


def test_a_rate_limit_puts_off_the_channels_readings_by_the_services_wait(network):
    kind, server = network
    channel = make_channel(kind, server=server)
    for n in range(2):
        external_id = _published(kind, server, text=f"Avviso {n}")
        sent_delivery(channel, sent_at=timezone.now() - timedelta(hours=2), external_id=external_id)
    collecting.plan_new()
    server.fail_next(1, "429", retry_after=600)
    now = timezone.now()
    first, second = MetricSnapshot.objects.filter(channel=channel, bucket=Bucket.HOUR)

    assert collecting.take_snapshot(first.pk, now=now) == S.DUE

    for row in MetricSnapshot.objects.filter(pk__in=[first.pk, second.pk]):
        assert row.phase == S.DUE
        assert row.due_at >= now + timedelta(seconds=540)


def test_followers_are_stored_once_a_day(network):
    kind, server = network
    channel = make_channel(kind, server=server)
    server.followers = 2048

    collecting.collect_account_figures()
    server.followers = 2050
    collecting.collect_account_figures()

    [figure] = AccountFigure.objects.filter(channel=channel)
    assert figure.followers == 2050
