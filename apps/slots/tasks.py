import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="slots.send_empty_slot_reminders")
def send_empty_slot_reminders() -> int:
    """Daily (beat): owners hear about their empty occurrences. Safe to run twice."""
    sent = services.send_empty_slot_reminders()
    logger.info("slot reminders: %s emails sent", sent)
    return sent
