"""Thin Celery task; the lead schedules it daily in pa_planner/celery.py's beat schedule."""

from celery import shared_task

from .services import purge_unconfirmed


@shared_task(name="newsletter.purge_unconfirmed")
def purge_unconfirmed_task() -> int:
    return purge_unconfirmed()
