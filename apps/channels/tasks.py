import logging

from celery import shared_task

from . import connections

logger = logging.getLogger(__name__)


@shared_task(name="channels.refresh_connections")
def refresh_connections() -> dict:
    """Beat: refresh every token that lapses soon. Safe to run twice (each refresh is claimed)."""
    outcomes: dict[str, int] = {}
    for connection_id in connections.connections_to_refresh().values_list("pk", flat=True):
        outcome = connections.refresh_connection(connection_id=connection_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if outcomes:
        logger.info("connection refresh: %s", outcomes)
    return outcomes


@shared_task(name="channels.warn_expiring_connections")
def warn_expiring_connections() -> int:
    """Beat: tell the administrators before a token that cannot be refreshed lapses.
    Idempotent: each warning is claimed once per token."""
    return connections.warn_expiring_connections()
