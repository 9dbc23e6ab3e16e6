"""Thin Celery tasks of the inbox; each calls one service and is safe to run twice."""

import logging

from celery import shared_task

from apps.core.queue import enqueue

from . import collecting, overdue, retention, services

logger = logging.getLogger(__name__)


@shared_task(name="inbox.collect_due")
def collect_due() -> int:
    """Beat: wake one collection per polled channel (each claims its channel)."""
    channel_ids = collecting.pollable_channel_ids()
    for channel_id in channel_ids:
        enqueue(collect_channel, channel_id=channel_id)
    return len(channel_ids)


@shared_task(name="inbox.collect_channel")
def collect_channel(*, channel_id: int) -> str:
    return collecting.collect_channel(channel_id=channel_id)


@shared_task(name="inbox.complete_instagram_mention")
def complete_instagram_mention(*, message_id: int) -> bool:
    """An Instagram mention arrived by webhook with its id only: read its text."""
    return services.complete_instagram_mention(message_id=message_id)


@shared_task(name="inbox.notify_overdue")
def notify_overdue() -> int:
    """Beat: email the assignee of each overdue conversation, and the office head past the
    second threshold; each email is claimed once per waiting period."""
    return overdue.notify_overdue()


@shared_task(name="inbox.apply_retention")
def apply_retention() -> int:
    """Beat: delete the content of conversations past the retention period."""
    return retention.apply_retention()
