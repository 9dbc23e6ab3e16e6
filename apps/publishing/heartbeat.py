"""Beat and every worker write a heartbeat row; /healthz and the staff banner read them.

Beat writes as it ticks (``HeartbeatScheduler``, set as ``beat_scheduler`` in
pa_planner/celery.py), each worker from a small thread in its main process
(``WorkerHeartbeat``, a worker bootstep). Both also run ``health.watch()`` now and then, so
administrators are emailed about a stall that only the other kind of process can see (beat
notices dead workers, workers notice a dead beat), even when nobody polls /healthz.

A heartbeat must never take its process down: database trouble is logged and retried at the
next beat.
"""

import contextlib
import logging
import os
import threading
import time

from celery import bootsteps
from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

# A worker's heartbeat thread uses the database while the prefork pool may fork a child from
# the main thread. A child forked mid-query inherits SQLite's in-process lock state and can
# never write again ("database is locked"); so no fork happens while the thread holds this.
_FORK_GUARD = threading.Lock()
_fork_guard_installed = False


def _install_fork_guard() -> None:
    global _fork_guard_installed
    if not _fork_guard_installed:
        os.register_at_fork(
            before=_FORK_GUARD.acquire,
            after_in_parent=_FORK_GUARD.release,
            after_in_child=_FORK_GUARD.release,
        )
        _fork_guard_installed = True


BEAT_NAME = "beat"
WATCH_EVERY_SECONDS = 30.0
PRUNE_AFTER_DAYS = 7  # rows of workers long gone (every test run names its workers anew)


def heartbeat_seconds() -> float:
    """How often a worker writes its heartbeat (beat writes at every tick, at most once a
    second)."""
    return float(os.environ.get("PA_PLANNER_HEARTBEAT_SECONDS", "10"))


def queue_kinds(names: tuple[str, ...]) -> tuple[str, ...]:
    """The kinds of work behind queue names ("scheduling", "sends", "default"): stored instead
    of the names, which carry a per-run prefix in tests (PA_PLANNER_CELERY_QUEUE)."""
    from django.conf import settings

    kinds = {
        settings.CELERY_TASK_DEFAULT_QUEUE: "default",
        settings.PUBLISHING_SCHEDULING_QUEUE: "scheduling",
        settings.PUBLISHING_SENDS_QUEUE: "sends",
        settings.MEDIA_QUEUE: "media",
    }
    return tuple(sorted({kinds.get(name, name) for name in names}))


def write_heartbeat(*, name: str, role: str, queues: tuple[str, ...] = ()) -> bool:
    """Upserts this process's row; False (and a log line) when the database refused."""
    from datetime import timedelta

    from django.db import close_old_connections
    from django.utils import timezone

    from apps.core.models import Heartbeat

    now = timezone.now()
    try:
        close_old_connections()
        updated = Heartbeat.objects.filter(name=name).update(
            seen_at=now, role=role, queues=",".join(queues)
        )
        if not updated:
            Heartbeat.objects.update_or_create(
                name=name,
                defaults={
                    "role": role,
                    "queues": ",".join(queues),
                    "started_at": now,
                    "seen_at": now,
                },
            )
            Heartbeat.objects.filter(seen_at__lt=now - timedelta(days=PRUNE_AFTER_DAYS)).delete()
    except Exception as exc:  # the database restarting must not stop beat or a worker
        logger.warning("Heartbeat of %s not written: %s: %s", name, type(exc).__name__, exc)
        return False
    return True


def mark_started(*, name: str, role: str, queues: tuple[str, ...] = ()) -> None:
    """A (re)started process: its uptime starts now."""
    from django.utils import timezone

    from apps.core.models import Heartbeat

    now = timezone.now()
    try:
        Heartbeat.objects.update_or_create(
            name=name,
            defaults={"role": role, "queues": ",".join(queues), "started_at": now, "seen_at": now},
        )
    except Exception as exc:
        logger.warning("Heartbeat of %s not written: %s: %s", name, type(exc).__name__, exc)


def _watch_in_background(last_watch: list[float], *, guard=None) -> None:
    """Runs ``health.watch`` at most every WATCH_EVERY_SECONDS, off the caller's thread (it may
    send an email, which must not delay beat's ticks)."""
    now = time.monotonic()
    if now - last_watch[0] < WATCH_EVERY_SECONDS:
        return
    last_watch[0] = now

    def run():
        from django.db import connection

        from . import health

        with guard or contextlib.nullcontext():
            try:
                health.watch()
            except Exception:
                logger.exception("Publishing health check failed")
            finally:
                connection.close()  # this thread's own connection

    threading.Thread(target=run, name="publishing-health", daemon=True).start()


class HeartbeatScheduler(PersistentScheduler):
    """Celery's default scheduler, writing beat's heartbeat at every tick."""

    _last_heartbeat = 0.0

    def setup_schedule(self):
        super().setup_schedule()
        self._last_watch = [time.monotonic()]  # give workers time to start before judging them
        mark_started(name=BEAT_NAME, role="beat")

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        now = time.monotonic()
        if now - self._last_heartbeat >= 1.0:
            if write_heartbeat(name=BEAT_NAME, role="beat"):
                self._last_heartbeat = now
            _watch_in_background(self._last_watch)
        return min(interval, heartbeat_seconds())


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A thread in the worker's main process writes its heartbeat every few seconds.

    It says "this worker is up and consuming these queues"; whether sends actually go out is
    judged separately, by the age of the oldest overdue delivery (health.py).
    """

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self._stop = threading.Event()
        self._thread = None

    def start(self, worker):
        name = worker.hostname
        queues = queue_kinds(tuple(worker.app.amqp.queues.consume_from or ()))
        period = heartbeat_seconds()
        stop = self._stop

        def loop():
            from django.db import connection

            last_watch = [time.monotonic()]
            with _FORK_GUARD:
                mark_started(name=name, role="worker", queues=queues)
                connection.close()
            while not stop.wait(period):
                with _FORK_GUARD:
                    write_heartbeat(name=name, role="worker", queues=queues)
                    # Not kept open: the prefork pool forks children from this process, and
                    # a connection they inherit must never be shared.
                    connection.close()
                _watch_in_background(last_watch, guard=_FORK_GUARD)

        _install_fork_guard()
        self._thread = threading.Thread(target=loop, name="worker-heartbeat", daemon=True)
        self._thread.start()

    def stop(self, worker):
        self._stop.set()
