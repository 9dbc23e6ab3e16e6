"""The Celery app of PA Planner. Its queues, routes and the one beat schedule are settings
(``CELERY_TASK_ROUTES``, ``CELERY_BEAT_SCHEDULE`` in pa_planner/settings.py)."""

import os

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")

app = Celery("pa_planner")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Beat writes a heartbeat as it ticks, each worker every few seconds (apps/publishing/heartbeat.py):
# /healthz and the staff banner say when either has gone quiet.
app.conf.beat_scheduler = "apps.publishing.heartbeat:HeartbeatScheduler"
app.steps["worker"].add("apps.publishing.heartbeat:WorkerHeartbeat")  # loaded by the worker

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
    # Imported late: this module loads with the settings, before Django is set up.
    from django.db import connections  # noqa: PLC0415

    for conn in connections.all(initialized_only=True):
        # Not close_if_unusable_or_obsolete(): with CONN_MAX_AGE 0 (SQLite) it would close a
        # healthy connection before every task, the very cost DB_REUSE_MAX removes.
        if conn.connection is None or conn.in_atomic_block or not conn.errors_occurred:
            continue
        if conn.is_usable():
            conn.errors_occurred = False
        else:
            conn.close()
