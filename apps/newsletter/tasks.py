"""Thin Celery tasks; the lead schedules the purge daily in pa_planner/celery.py's beat schedule."""

from celery import shared_task

from .services import purge_unconfirmed, send_confirmation


@shared_task(name="newsletter.purge_unconfirmed")
def purge_unconfirmed_task() -> int:
    return purge_unconfirmed()


@shared_task(name="newsletter.send_confirmation")
def send_confirmation_task(subscriber_id: int) -> bool:
    """Queued by every subscribe request; the service decides whether an email goes out."""
    return send_confirmation(subscriber_id=subscriber_id)
