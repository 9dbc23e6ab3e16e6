"""Thin Celery tasks: ids only, each calls one service, each safe to run twice or never."""

import logging
from functools import partial

from celery import shared_task
from django.db import transaction

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.tick")
def tick() -> int:
    """Beat: new events from the audit log become deliveries; each due one goes to a worker."""
    built = services.collect_events()
    due = services.due_ids()
    for pk in due:
        transaction.on_commit(partial(send_delivery.delay, delivery_id=pk))
    if built or due:
        logger.info("webhooks: %d deliveries built, %d queued", built, len(due))
    return len(due)


@shared_task(name="webhooks.send_delivery")
def send_delivery(*, delivery_id: int) -> str:
    return services.send_delivery(delivery_id)


@shared_task(name="webhooks.purge_old")
def purge_old() -> int:
    """Beat, once a day: the delivery log keeps ``WEBHOOKS_KEEP_DAYS`` days."""
    return services.purge_old()
