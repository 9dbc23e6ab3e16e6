"""Real processes: Celery beat and workers send a post to the local Mastodon API, then read its
figures on schedule: each moment once, not before it is due, waiting out a rate limit, and
no more once the post is deleted on the network.

An hour (a day, a week) cannot pass in a test: the test moves a reading's due time into the
past, as the clock would, and the real beat and worker do the rest.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.insights.enums import Bucket, SnapshotState
from apps.insights.models import MetricSnapshot
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import ChannelCredential, Delivery
from apps.publishing.services import schedule_deliveries
from tests.channel_servers import start_server
from tests.factories import PostFactory
from tests.system.harness import wait_for

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

SYSTEM_ENV = {"PA_PLANNER_INSIGHTS_INTERVAL": "1"}
S = SnapshotState


@pytest.fixture(scope="module")
def mastodon():
    server = start_server(ChannelKind.MASTODON)
    yield server
    server.stop()


def _reads(server, status_id):
    return [
        r
        for r in server.requests
        if r.method == "GET" and r.path == f"/api/v1/statuses/{status_id}"
    ]


def _due_now(delivery, bucket):
    """The clock reaches the moment: the reading is due a second ago."""
    MetricSnapshot.objects.filter(delivery=delivery, bucket=bucket).update(
        due_at=timezone.now() - timedelta(seconds=1)
    )


def _reading(delivery, bucket):
    return MetricSnapshot.objects.get(delivery=delivery, bucket=bucket)


def test_a_sent_post_is_read_at_each_moment_once_then_never_after_its_deletion(stack, mastodon):
    mastodon.reset()
    channel = Channel.objects.create(
        name="Mastodon di prova", kind=ChannelKind.MASTODON, config=mastodon.config
    )
    ChannelCredential.objects.create(channel=channel, secret=mastodon.token)
    post = PostFactory(
        base_text="Isola ecologica: da lunedì apre anche il pomeriggio.",
        status=PostStatus.APPROVED,
        planned_at=timezone.now(),
        channels=[channel],
    )
    schedule_deliveries(post=post)

    # Sent by the real dispatcher and worker; beat plans its four readings.
    delivery = wait_for(
        lambda: Delivery.objects.filter(variant__post=post, state=D.SENT).first(),
        timeout=30,
        what="the post sent",
    )
    wait_for(
        lambda: MetricSnapshot.objects.filter(delivery=delivery).count() == 4,
        timeout=15,
        what="four readings planned",
    )
    status_id = delivery.external_id
    expected = mastodon.figures_of(status_id)
    assert _reads(mastodon, status_id) == []  # an hour has not passed: nothing read

    # +1 hour.
    _due_now(delivery, Bucket.HOUR)
    wait_for(lambda: _reading(delivery, Bucket.HOUR).phase == S.TAKEN, timeout=20, what="+1 h")
    hour = _reading(delivery, Bucket.HOUR)
    assert (hour.reactions, hour.comments, hour.shares) == (
        expected["reactions"],
        expected["comments"],
        expected["shares"],
    )
    assert hour.is_latest

    # +24 hours, and the instance is rate limiting: the reading waits, then is taken.
    mastodon.fail_next(1, "429", retry_after=2, on_path=f"/statuses/{status_id}")
    _due_now(delivery, Bucket.DAY)
    wait_for(lambda: _reading(delivery, Bucket.DAY).phase == S.TAKEN, timeout=40, what="+24 h")
    limited, taken = _reads(mastodon, status_id)[-2:]
    assert limited.fault == "429" and taken.fault == ""
    assert _reading(delivery, Bucket.DAY).attempts == 1
    assert _reading(delivery, Bucket.DAY).is_latest
    assert not _reading(delivery, Bucket.HOUR).is_latest

    # Someone deletes the post on Mastodon; at +7 days the reading finds it gone.
    mastodon.items.clear()
    _due_now(delivery, Bucket.WEEK)
    wait_for(lambda: _reading(delivery, Bucket.WEEK).phase == S.GONE, timeout=20, what="+7 d")
    assert _reading(delivery, Bucket.MONTH).phase == S.GONE  # +30 d is never asked for
    reads = len(_reads(mastodon, status_id))
    _due_now(delivery, Bucket.MONTH)
    time.sleep(3)  # three beat ticks
    assert len(_reads(mastodon, status_id)) == reads
    # Each moment read once (the +24 h twice: the rate-limited try and the reading).
    assert reads == 4
