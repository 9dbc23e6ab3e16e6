"""The Celery app, its queues and the one beat schedule of PA Planner."""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")

app = Celery("pa_planner")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Read from the environment, not Django settings: the schedule is built at import time.
# Every second: a post waits at most a second for its tick (p50 3.1 s, max 8.6 s at 5 s); an
# idle tick is one indexed query.
DISPATCH_INTERVAL = timedelta(seconds=float(os.environ.get("PA_PLANNER_DISPATCH_INTERVAL", "1")))
SWEEP_INTERVAL = timedelta(seconds=float(os.environ.get("PA_PLANNER_SWEEP_INTERVAL", "10")))

# Two queues, so that beat's own ticks never wait behind a burst of sends (in one queue, 16
# dispatch ticks expired and sweeps ran 44-103 s apart during a burst). README "Workers" gives
# the command line of each kind of worker. PA_PLANNER_CELERY_QUEUE (the default queue's name,
# see settings) prefixes both, so parallel test runs on one Redis never share a queue.
_PREFIX = os.environ.get("PA_PLANNER_CELERY_QUEUE", "")
DEFAULT_QUEUE = _PREFIX or "celery"  # anything not routed below (e-mail jobs of other areas)
SCHEDULING_QUEUE = f"{_PREFIX}-scheduling" if _PREFIX else "scheduling"
SENDS_QUEUE = f"{_PREFIX}-sends" if _PREFIX else "sends"
ALL_QUEUES = (DEFAULT_QUEUE, SCHEDULING_QUEUE, SENDS_QUEUE)

app.conf.task_routes = {
    "publishing.send_delivery": {"queue": SENDS_QUEUE},
    "publishing.dispatch_due": {"queue": SCHEDULING_QUEUE},
    "publishing.sweep_stuck": {"queue": SCHEDULING_QUEUE},
    "slots.send_empty_slot_reminders": {"queue": SCHEDULING_QUEUE},
    "newsletter.purge_unconfirmed": {"queue": SCHEDULING_QUEUE},
}

# Beat writes a heartbeat as it ticks, each worker every few seconds (apps/core/heartbeat.py):
# /healthz and the staff banner say when either has gone quiet.
app.conf.beat_scheduler = "apps.core.heartbeat:HeartbeatScheduler"
app.steps["worker"].add("apps.core.heartbeat:WorkerHeartbeat")  # by name: loaded by the worker

# Celery's Django fixup closes the database connection around every task unless this is set:
# a new connection per send cost a third of the throughput in a burst (11.6 -> 19.1 sends/s in
# an A/B run on PostgreSQL). Reused for 100 tasks, then opened afresh.
app.conf["CELERY_DB_REUSE_MAX"] = 100


@task_prerun.connect
def _drop_broken_connection(task=None, **kwargs):
    """A reused connection that failed (a database restart) is closed before the next task,
    which opens a fresh one, instead of failing every task until the reuse count runs out.
    Not for a task applied in-process (``apply()``, tests): it may run inside a transaction."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        # Not close_if_unusable_or_obsolete(): with CONN_MAX_AGE 0 (SQLite) it would close a
        # healthy connection before every task, the very cost DB_REUSE_MAX removes.
        if conn.connection is None or conn.in_atomic_block or not conn.errors_occurred:
            continue
        if conn.is_usable():
            conn.errors_occurred = False
        else:
            conn.close()


app.conf.beat_schedule = {
    # Finds due deliveries in the database and wakes a worker for each one.
    "publishing.dispatch_due": {
        "task": "publishing.dispatch_due",
        "schedule": DISPATCH_INTERVAL,
        # A tick still queued after a few intervals is stale: the next one does its work.
        "options": {"expires": max(3 * DISPATCH_INTERVAL.total_seconds(), 5.0)},
    },
    # Deliveries left in flight by a lost message or a crashed worker.
    "publishing.sweep_stuck": {
        "task": "publishing.sweep_stuck",
        "schedule": SWEEP_INTERVAL,
        "options": {"expires": max(3 * SWEEP_INTERVAL.total_seconds(), 5.0)},
    },
    # Tokens that lapse soon are refreshed (X's live two hours), well before they do.
    "channels.refresh_connections": {
        "task": "channels.refresh_connections",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 240},
    },
    # Warns the administrators 14, 3 and 1 days before a token that cannot be refreshed lapses.
    "channels.warn_expiring_connections": {
        "task": "channels.warn_expiring_connections",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3000},
    },
    # Each slot owner hears about the empty occurrences due soon.
    "slots.send_empty_slot_reminders": {
        "task": "slots.send_empty_slot_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Sign-ups never confirmed are deleted after 30 days (data minimisation, GDPR art. 5).
    "newsletter.purge_unconfirmed": {
        "task": "newsletter.purge_unconfirmed",
        "schedule": crontab(hour=3, minute=30),
    },
}
