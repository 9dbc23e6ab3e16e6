"""Reading the networks' figures: each sent delivery at +1 h, +24 h, +7 d and +30 d, then never
again; each channel's followers and the newsletter's subscribers once a day.

The database says what is due, as for sends (no countdown per delivery): beat runs
``collect_due`` every ``INSIGHTS_COLLECT_INTERVAL`` seconds, which

1. plans the four readings of every delivery sent since the last tick (``plan_new``: one
   ``due`` row per moment, its time spread by a jitter fixed per delivery, so the posts of one
   busy morning are read over two hours the next day, not in one minute);
2. claims at most ``INSIGHTS_BATCH`` due rows (moving their ``due_at`` a lease ahead, in one
   conditional UPDATE, so a second tick does not claim them again) and wakes a worker for
   each one.

``take_snapshot`` reads one row: its write is conditional on the row still being ``due``, so a
repeated message changes nothing. A rate limit (HTTP 429, Graph's throttling codes) moves the
row *and every other due row of that channel* past the service's Retry-After; a post deleted on
the network closes its remaining readings (``gone``); a channel that gives no numbers gets
rows marked ``none`` at once, so the reports can say so.
"""

import logging
import random
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from apps.channels.connections import access_token_for
from apps.channels.models import Channel
from apps.newsletter.models import Subscriber
from apps.publishing.adapters.base import (
    AdapterError,
    GoneError,
    PostMetrics,
)
from apps.publishing.adapters.registry import ADAPTERS, get_adapter
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery

from .enums import BUCKETS, FIGURES, JITTER, OFFSET, Bucket, SnapshotState
from .models import AccountFigure, MetricSnapshot, NewsletterFigure

logger = logging.getLogger(__name__)

S = SnapshotState
# A claimed row is not claimed again for this long: its worker reads it well within.
CLAIM_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=5)
RETRY_MAX = timedelta(hours=6)
# Deliveries sent longer ago than the last moment (and its jitter) are not planned: a reading
# a month late would say nothing about "after 30 days".
PLAN_HORIZON = OFFSET[Bucket.MONTH] + JITTER[Bucket.MONTH]


def counts_followers(kind: str) -> bool:
    adapter = ADAPTERS.get(str(kind))
    return bool(adapter and adapter.supports_followers)


def gives_numbers(kind: str) -> bool:
    """Whether the network of this channel kind reports figures at all (Telegram does not)."""
    adapter = ADAPTERS.get(str(kind))
    return bool(adapter and adapter.supports_metrics)


def due_time(delivery_id: int, sent_at: datetime, bucket: Bucket) -> datetime:
    """The moment plus a jitter within ``JITTER[bucket]``, the same for the same delivery."""
    fraction = random.Random(f"{delivery_id}:{bucket}").random()
    return sent_at + OFFSET[bucket] + JITTER[bucket] * fraction


def plan_new(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Creates the four readings of sent deliveries that have none yet; returns how many
    deliveries were planned. Safe to run twice (one row per delivery and moment)."""
    now = now or timezone.now()
    deliveries = list(
        Delivery.objects.filter(
            state=DeliveryState.SENT,
            sent_at__gte=now - PLAN_HORIZON,
            deleted_at__isnull=True,
        )
        .exclude(external_id="")
        .filter(~Exists(MetricSnapshot.objects.filter(delivery=OuterRef("pk"))))
        .values(
            "pk", "sent_at", "variant__channel_id", "variant__channel__kind", "variant__post_id"
        )
        .order_by("sent_at")[:limit]
    )
    rows = []
    for d in deliveries:
        numbers = gives_numbers(d["variant__channel__kind"])
        for bucket in BUCKETS:
            rows.append(
                MetricSnapshot(
                    delivery_id=d["pk"],
                    bucket=bucket,
                    phase=S.DUE if numbers else S.NONE,
                    due_at=due_time(d["pk"], d["sent_at"], bucket),
                    channel_id=d["variant__channel_id"],
                    post_id=d["variant__post_id"],
                    sent_at=d["sent_at"],
                )
            )
    MetricSnapshot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(deliveries)


def claim_due(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Up to ``limit`` due readings, oldest first, leased to the caller for ``CLAIM_LEASE``."""
    now = now or timezone.now()
    limit = limit or settings.INSIGHTS_BATCH
    with transaction.atomic():
        ids = list(
            MetricSnapshot.objects.filter(phase=S.DUE, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            MetricSnapshot.objects.filter(pk__in=ids, phase=S.DUE, due_at__lte=now).update(
                due_at=now + CLAIM_LEASE
            )
    return ids


def take_snapshot(snapshot_id: int, *, now: datetime | None = None) -> str:
    """Reads one delivery's figures from its network; returns the row's new phase (or
    ``"skipped"`` when it was no longer due)."""
    snapshot = (
        MetricSnapshot.objects.select_related(
            "delivery", "channel", "channel__credential", "channel__connection"
        )
        .filter(pk=snapshot_id, phase=S.DUE)
        .first()
    )
    if snapshot is None:
        return "skipped"
    delivery = snapshot.delivery
    if delivery.deleted_at is not None or delivery.state != DeliveryState.SENT:
        _close_delivery(delivery.pk, S.GONE, "rimosso")
        return S.GONE
    channel = snapshot.channel
    try:
        adapter = get_adapter(channel.kind)
        figures = adapter.metrics(
            external_id=delivery.external_id,
            config=dict(channel.config or {}),
            secret=_secret(channel),
        )
    except GoneError as exc:
        _close_delivery(delivery.pk, S.GONE, str(exc))
        return S.GONE
    except AdapterError as exc:  # rate limits, outages, a credential to fix: later
        return _retry(snapshot, exc, now=now)
    return _record(snapshot, figures, now=now or timezone.now())


def _secret(channel: Channel) -> str:
    token = access_token_for(channel)
    if token is not None:
        return token
    credential = getattr(channel, "credential", None)
    return credential.secret if credential else ""


def _record(snapshot: MetricSnapshot, figures: PostMetrics, *, now: datetime) -> str:
    values = {name: getattr(figures, name) for name in FIGURES}
    with transaction.atomic():
        changed = MetricSnapshot.objects.filter(pk=snapshot.pk, phase=S.DUE).update(
            phase=S.TAKEN, taken_at=now, last_error="", **values
        )
        if not changed:
            return "skipped"
        # The newest taken moment of the delivery is the one the totals count.
        taken = MetricSnapshot.objects.filter(delivery_id=snapshot.delivery_id, phase=S.TAKEN)
        latest = max(taken.values_list("bucket", flat=True), key=BUCKETS.index)
        taken.exclude(bucket=latest).update(is_latest=False)
        taken.filter(bucket=latest).update(is_latest=True)
    return S.TAKEN


def _close_delivery(delivery_id: int, phase: str, why: str) -> None:
    MetricSnapshot.objects.filter(delivery_id=delivery_id, phase=S.DUE).update(
        phase=phase, last_error=why[:300]
    )


def _retry(snapshot: MetricSnapshot, exc: AdapterError, *, now: datetime | None) -> str:
    now = now or timezone.now()
    attempts = snapshot.attempts + 1
    error = str(exc)[:300]
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        # Rate limited: this row and every due row of the channel wait for the service.
        until = now + timedelta(seconds=retry_after + random.uniform(1, 30))
        MetricSnapshot.objects.filter(
            channel_id=snapshot.channel_id, phase=S.DUE, due_at__lt=until
        ).exclude(pk=snapshot.pk).update(due_at=until)
    else:
        wait = min(RETRY_BASE * 2 ** (attempts - 1), RETRY_MAX)
        until = now + wait * random.uniform(1.0, 1.2)
    # Rate limits are waited out, but not for ever: a channel limited for days gives up too.
    limit = MAX_ATTEMPTS if retry_after is None else 4 * MAX_ATTEMPTS
    phase = S.FAILED if attempts >= limit else S.DUE
    MetricSnapshot.objects.filter(pk=snapshot.pk, phase=S.DUE).update(
        phase=phase, attempts=attempts, due_at=until, last_error=error
    )
    logger.info("metrics of delivery %s: %s (%s)", snapshot.delivery_id, error, phase)
    return phase


# --- Once a day --------------------------------------------------------------------------


def collect_account_figures(*, day: date | None = None) -> int:
    """Each active channel's followers today, and the newsletter's subscribers; returns how
    many figures were stored. Safe to run twice a day (the second run updates the day)."""
    day = day or timezone.localdate()
    stored = 0
    channels = Channel.objects.filter(active=True).select_related("credential", "connection")
    for channel in channels:
        if not counts_followers(channel.kind):
            continue
        try:
            followers = get_adapter(channel.kind).followers(
                config=dict(channel.config or {}), secret=_secret(channel)
            )
        except AdapterError as exc:
            logger.info("followers of channel %s not read: %s", channel.pk, exc)
            continue
        if followers is None:
            continue
        AccountFigure.objects.update_or_create(
            channel=channel, day=day, defaults={"followers": followers}
        )
        stored += 1
    subscribers = Subscriber.objects.aggregate(
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True)),
        unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
    )
    NewsletterFigure.objects.update_or_create(day=day, defaults=subscribers)
    return stored + 1
