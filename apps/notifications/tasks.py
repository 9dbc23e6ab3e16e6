"""Thin Celery task: the emails that waited (quiet hours, daily digest) leave."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_due_emails")
def send_due_emails() -> int:
    sent = services.send_due_emails()
    if sent:
        logger.info("notifications: %s emails sent", sent)
    return sent
