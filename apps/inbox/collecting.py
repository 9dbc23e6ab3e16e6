"""Collecting one channel: claim it, read from its cursor, store, move the cursor.

The claim is a conditional UPDATE on the channel's :class:`ChannelListening` row (free, and
past any rate-limit wait): two workers, or a beat tick repeated, never read one channel at
once, so a cursor is never moved backwards. Messages and the new cursor are written in one
transaction: a crash before the commit reads the same page again next time, and storing is
idempotent. A failure marks the channel "ascolto interrotto" with the reason (a rate limit,
429 or another answer with the service's wait, only waits for the network's hint).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.channels.models import Channel
from apps.publishing.adapters.base import AdapterError, TransientError
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery

from .collectors.registry import COLLECTORS, collector_for
from .enums import ListeningState
from .models import ChannelListening
from .services import _secret_for, ingest

logger = logging.getLogger(__name__)
CLAIM_SECONDS = 120
DEFAULT_RATE_LIMIT_WAIT = 60.0


def pollable_channel_ids() -> list[int]:
    return list(
        Channel.objects.filter(active=True, kind__in=list(COLLECTORS)).values_list("pk", flat=True)
    )


def recent_post_ids(channel: Channel, *, now) -> list[str]:
    """The network ids of our posts sent on ``channel`` in the last
    ``INBOX_LINKEDIN_DAYS`` days, newest first (networks read post by post: LinkedIn)."""
    since = now - timedelta(days=settings.INBOX_LINKEDIN_DAYS)
    return list(
        Delivery.objects.filter(
            variant__channel=channel,
            state=DeliveryState.SENT,
            sent_at__gte=since,
            deleted_at__isnull=True,
        )
        .exclude(external_id="")
        .order_by("-sent_at")
        .values_list("external_id", flat=True)
    )


def _next_poll(collector, now):
    """Networks read post by post (LinkedIn: one request per recent post) are polled less
    often, to stay within their daily quotas: ``INBOX_LINKEDIN_POLL_SECONDS``."""
    if getattr(collector, "reads_our_posts", False) and settings.INBOX_LINKEDIN_POLL_SECONDS > 0:
        return now + timedelta(seconds=settings.INBOX_LINKEDIN_POLL_SECONDS)
    return None


def _claim(listening: ChannelListening, now) -> bool:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    ready = Q(not_before__isnull=True) | Q(not_before__lte=now)
    return bool(
        ChannelListening.objects.filter(free & ready, pk=listening.pk).update(
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS)
        )
    )


def collect_channel(*, channel_id: int) -> str:
    """Read one channel once. Returns what happened: ``collected:<n>``, ``busy``, ``waiting``
    (rate limited), ``interrupted`` or ``skipped``."""
    channel = Channel.objects.select_related("credential", "connection").filter(pk=channel_id)
    channel = channel.first()
    collector = collector_for(channel.kind) if channel is not None else None
    if channel is None or collector is None or not channel.active:
        return "skipped"
    listening, _created = ChannelListening.objects.get_or_create(channel=channel)
    now = timezone.now()
    if not _claim(listening, now):
        return "busy"
    extra = {}
    if getattr(collector, "reads_our_posts", False):
        extra["posts"] = recent_post_ids(channel, now=now)
    try:
        batch = collector.collect(
            config=dict(channel.config or {}),
            secret=_secret_for(channel),
            cursor=listening.cursor,
            **extra,
        )
    except TransientError as exc:
        # A rate limit: HTTP 429, or a throttling answer with the service's wait (Graph's code
        # 4 on Threads comes as a 400 with X-Business-Use-Case-Usage).
        if exc.status == 429 or exc.retry_after is not None:
            wait = exc.retry_after if exc.retry_after is not None else DEFAULT_RATE_LIMIT_WAIT
            ChannelListening.objects.filter(pk=listening.pk).update(
                claimed_until=None, not_before=now + timedelta(seconds=wait)
            )
            logger.info("inbox: channel %s rate limited for %.0f s", channel.pk, wait)
            return "waiting"
        return _interrupt(listening, str(exc))
    except AdapterError as exc:
        return _interrupt(listening, str(exc))
    with transaction.atomic():
        result = ingest(channel=channel, items=batch.items)
        ChannelListening.objects.filter(pk=listening.pk).update(
            cursor=batch.cursor[:500],
            status=ListeningState.LISTENING,
            reason="",
            last_success_at=timezone.now(),
            not_before=_next_poll(collector, now),
            claimed_until=None,
        )
    logger.info("inbox: channel %s collected %s new", channel.pk, result.new)
    return f"collected:{result.new}"


def _interrupt(listening: ChannelListening, reason: str) -> str:
    ChannelListening.objects.filter(pk=listening.pk).update(
        status=ListeningState.INTERRUPTED, reason=reason[:300], claimed_until=None
    )
    logger.warning("inbox: listening interrupted on channel %s", listening.channel_id)
    return "interrupted"


def mark_pushed(*, channel: Channel) -> None:
    """A webhook delivery arrived for ``channel``: it is listening."""
    ChannelListening.objects.update_or_create(
        channel=channel,
        defaults={
            "status": ListeningState.LISTENING,
            "reason": "",
            "last_success_at": timezone.now(),
        },
    )
