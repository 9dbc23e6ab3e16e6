"""Thin Celery tasks: ids only, each calls one service, each safe to run twice or never.

The beat schedule is in pa_planner/settings.py. No ETA sends: the database says what is due.
"""

import logging
import time
from collections import Counter
from datetime import timedelta
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction

from . import corrections, linkcards, services

logger = logging.getLogger(__name__)


def _enqueue_sends(delivery_ids: list[int]) -> None:
    """One ``send_batch`` message per PUBLISHING_SEND_BATCH rows, after commit."""
    size = max(1, settings.PUBLISHING_SEND_BATCH)
    for start in range(0, len(delivery_ids), size):
        batch = list(delivery_ids[start : start + size])
        transaction.on_commit(partial(send_batch.delay, delivery_ids=batch))


@shared_task(name="publishing.dispatch_due")
def dispatch_due(*, wake_at_next_due: bool = True) -> int:
    """Claims what is due and wakes a worker for each claimed delivery, after commit.

    Claims go in short batches, each its own transaction: workers start on the first batch
    while later ones are claimed, and the database write lock is never held for long.
    Beat's tick (``wake_at_next_due``) also books one more run at the first planned time
    before the next tick, so a post goes out at its own time, not at the tick after it.
    That run books none: there is never more than one per tick. Running twice is harmless.
    """
    total = 0
    batch = settings.PUBLISHING_CLAIM_BATCH
    for _round in range(settings.PUBLISHING_CLAIM_ROUNDS):
        with transaction.atomic():
            claimed = services.claim_due(limit=batch)
            _enqueue_sends(claimed)
        total += len(claimed)
        if len(claimed) < batch:
            break
    if total:
        logger.info("Dispatched %d deliveries", total)
    if wake_at_next_due:
        next_due = services.next_due_within(seconds=settings.PUBLISHING_DISPATCH_INTERVAL)
        if next_due is not None:
            # Stale after as long as beat's own ticks are.
            tick = settings.CELERY_BEAT_SCHEDULE["publishing.dispatch_due"]["options"]
            dispatch_due.apply_async(
                kwargs={"wake_at_next_due": False},
                eta=next_due,
                expires=next_due + timedelta(seconds=tick["expires"]),
            )
    return total


@shared_task(name="publishing.send_batch")
def send_batch(*, delivery_ids: list[int]) -> dict:
    # A database restart or failover must not leave the rows to the sweeper: the claim is
    # tried again with backoff (conditional UPDATEs, nothing was sent before them).
    outcomes = services.with_database_retry(
        services.send_deliveries, delivery_ids=delivery_ids, what=f"Deliveries {delivery_ids}"
    )
    for outcome in outcomes:
        logger.info("Delivery %s: %s %s", outcome.delivery_id, outcome.state, outcome.detail)
    return dict(Counter(outcome.state for outcome in outcomes))


@shared_task(name="publishing.send_delivery")
def send_delivery(*, delivery_id: int) -> str:
    """One delivery: the messages of the release before batches, still in a queue."""
    return next(iter(send_batch(delivery_ids=[delivery_id])), "skipped")


@shared_task(name="publishing.sweep_stuck")
def sweep_stuck() -> dict:
    with transaction.atomic():
        result = services.sweep_stuck()
        _enqueue_sends(result.resend + result.rewoken)
    if result.requeued or result.resend or result.needs_check or result.rewoken:
        logger.warning(
            "Swept: %d requeued, %d resent, %d to check, %d woken again",
            len(result.requeued),
            len(result.resend),
            len(result.needs_check),
            len(result.rewoken),
        )
    return {
        "requeued": len(result.requeued),
        "resend": len(result.resend),
        "needs_check": len(result.needs_check),
        "rewoken": len(result.rewoken),
    }


@shared_task(name="publishing.noop")
def noop(*, enqueued_at: float) -> float:
    """Does nothing but report its own queueing delay: the benchmark's Celery baseline."""
    return round(time.time() - enqueued_at, 6)


@shared_task(name="publishing.fetch_link_card")
def fetch_link_card(*, url: str) -> str:
    """The Open Graph card of ``url`` (the previews' link card); nothing when it is fresh."""
    if not linkcards.needs_fetch(linkcards.cached_card(url)):
        return "fresh"
    return "refused" if linkcards.refresh(url).error else "fetched"


@shared_task(name="publishing.push_correction")
def push_correction(*, correction_id: int) -> dict:
    """An approved correction to the channels that edit their items (safe to run twice:
    only pending rows are claimed, by one caller each)."""
    results = corrections.push_correction(correction_id=correction_id)
    for outcome_id, status in results.items():
        logger.info("Correction %s, outcome %s: %s", correction_id, outcome_id, status)
    return {str(k): v for k, v in results.items()}
