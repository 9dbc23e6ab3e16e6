"""The lease of a send in flight: "never race a live worker" without Celery's hard time limit.

A delivery moved to ``sending`` carries ``lease_until`` (now + PUBLISHING_SEND_LEASE_SECONDS).
While its send runs, a thread of the same process renews the leases of every send it has in
flight, every third of the lease, in one UPDATE. The sweeper judges a ``sending`` row dead
only when its lease ran out (and by a margin for the clocks): its process is gone (killed,
crashed, its machine off), so no thread of it can still be talking to the channel. A live
process renews whatever its pool: prefork, or threads (which have no time limits), so the
guarantee no longer rests on the pool killing a slow task.
"""

import logging
import os
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .enums import DeliveryState as D
from .models import Delivery

logger = logging.getLogger(__name__)


def lease_seconds() -> float:
    return float(settings.PUBLISHING_SEND_LEASE_SECONDS)


def lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=lease_seconds())


class _LeaseKeeper:
    """The sends in flight in this process and the thread that renews their leases."""

    def __init__(self):
        self._reset()

    def _reset(self) -> None:
        # After a fork: the child has no sends in flight and no renewing thread yet.
        self._lock = threading.Lock()
        self._ids: set[int] = set()
        self._thread: threading.Thread | None = None

    @contextmanager
    def held(self, *delivery_ids: int):
        with self._lock:
            self._ids.update(delivery_ids)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="delivery-leases", daemon=True
                )
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._ids.difference_update(delivery_ids)

    def in_flight(self) -> set[int]:
        with self._lock:
            return set(self._ids)

    def renew(self, *, now: datetime | None = None) -> int:
        """One UPDATE for every send in flight here; returns how many leases moved."""
        ids = self.in_flight()
        if not ids:
            return 0
        now = now or timezone.now()
        return Delivery.objects.filter(pk__in=ids, state=D.SENDING).update(
            lease_until=lease_until(now)
        )

    def _run(self) -> None:
        # Event.wait, not time.sleep: nothing that replaces time.sleep (tests do) can make
        # this loop spin.
        pause = threading.Event()
        while True:
            pause.wait(lease_seconds() / 3)
            try:
                self.renew()
            except Exception:  # a database restart: try again at the next beat
                logger.exception("Could not renew the leases of sends in flight")
                connection.close()


keeper = _LeaseKeeper()
os.register_at_fork(after_in_child=keeper._reset)
