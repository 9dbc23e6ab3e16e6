"""Handing work to Celery from a web request."""

import logging

logger = logging.getLogger(__name__)


def enqueue(task, **kwargs) -> bool:
    """``task.delay(**kwargs)``; False (and a log line) when the broker cannot take it, so a
    committed action never answers 500 because an email could not be queued."""
    try:
        task.delay(**kwargs)
    except Exception:
        logger.exception("%s not queued (%s)", task.name, kwargs)
        return False
    return True
