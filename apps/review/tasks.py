"""Thin Celery tasks: the review workflow's emails leave the web request."""

from celery import shared_task

from . import external, notifications


@shared_task(name="review.notify_submitted")
def notify_submitted(*, post_id: int, by_id: int | None = None) -> int:
    """The post waits at a step of its route: email the colleagues it waits for and send a
    link to each approver outside the office it waits for (once per version)."""
    sent = notifications.notify_submitted(post_id=post_id, by_id=by_id)
    return sent + external.invite_awaited(post_id=post_id)


@shared_task(name="review.notify_mentions")
def notify_mentions(*, comment_id: int) -> int:
    return notifications.notify_mentions(comment_id=comment_id)


@shared_task(name="review.notify_author")
def notify_author(*, post_id: int, kind: str) -> int:
    return notifications.notify_author(post_id=post_id, kind=kind)


@shared_task(name="review.notify_correction")
def notify_correction(*, correction_id: int, event: str) -> int:
    return notifications.notify_correction(correction_id=correction_id, event=event)
