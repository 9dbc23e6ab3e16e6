"""Thin Celery tasks: ids only, each calls one service, each safe to run twice or never."""

import logging
from functools import partial

from celery import shared_task
from django.db import transaction

from . import collecting

logger = logging.getLogger(__name__)


@shared_task(name="insights.collect_due")
def collect_due() -> int:
    """Beat: plans the readings of newly sent deliveries and wakes a worker for each due one
    (at most ``INSIGHTS_BATCH`` per tick: the rest wait for the next tick)."""
    collecting.plan_new()
    claimed = collecting.claim_due()
    for snapshot_id in claimed:
        transaction.on_commit(partial(take_snapshot.delay, snapshot_id=snapshot_id))
    if claimed:
        logger.info("metrics: %d readings queued", len(claimed))
    return len(claimed)


@shared_task(name="insights.take_snapshot")
def take_snapshot(*, snapshot_id: int) -> str:
    return collecting.take_snapshot(snapshot_id)


@shared_task(name="insights.collect_account_figures")
def collect_account_figures() -> int:
    """Beat, once a day: followers per channel and newsletter subscribers."""
    return collecting.collect_account_figures()
