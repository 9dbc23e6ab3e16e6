from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState
from apps.publishing.models import ChannelCredential, Delivery
from apps.publishing.services import schedule_deliveries
from tests.factories import ChannelFactory, PostFactory


def make_channel(kind=ChannelKind.MASTODON, *, server=None, name=None):
    channel = ChannelFactory(
        name=name or f"{kind} {ChannelFactory._meta.model.objects.count()}",
        kind=kind,
        config={**(server.config if server else {}), "read_timeout": 3},
    )
    if server is not None:
        ChannelCredential.objects.create(channel=channel, secret=server.token)
    return channel


def sent_delivery(channel, *, sent_at=None, external_id="1", category=None, author=None):
    """A post on ``channel`` whose delivery went out at ``sent_at`` as ``external_id``."""
    sent_at = sent_at or timezone.now()
    extra = {"category": category} if category else {}
    if author:
        extra["author"] = author
    post = PostFactory(channels=[channel], status=PostStatus.PUBLISHED, planned_at=sent_at, **extra)
    schedule_deliveries(post=post)
    delivery = Delivery.objects.get(variant__post=post)
    # Test setup: the state as the sender would have left it.
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENT, sent_at=sent_at, external_id=str(external_id)
    )
    delivery.refresh_from_db()
    return delivery


@pytest.fixture
def mastodon_server():
    from tests.channel_servers import start_server

    server = start_server("mastodon")
    yield server
    server.stop()


@pytest.fixture
def an_hour_ago():
    return timezone.now() - timedelta(hours=1, minutes=30)


def reading(delivery, bucket="24h", *, state="taken", latest=True, **figures):
    """A reading of ``delivery`` as the collector would have stored it."""
    from apps.insights.models import MetricSnapshot

    return MetricSnapshot.objects.create(
        delivery=delivery,
        bucket=bucket,
        phase=state,
        due_at=delivery.sent_at,
        taken_at=delivery.sent_at if state == "taken" else None,
        channel_id=delivery.variant.channel_id,
        post_id=delivery.variant.post_id,
        sent_at=delivery.sent_at,
        is_latest=latest and state == "taken",
        **figures,
    )
