"""The Celery app and the one beat schedule of PA Planner."""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")

app = Celery("pa_planner")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Read from the environment, not Django settings: the schedule is built at import time.
DISPATCH_INTERVAL = timedelta(seconds=float(os.environ.get("PA_PLANNER_DISPATCH_INTERVAL", "5")))
SWEEP_INTERVAL = timedelta(seconds=float(os.environ.get("PA_PLANNER_SWEEP_INTERVAL", "60")))


app.conf.beat_schedule = {
    # Finds due deliveries in the database and wakes a worker for each one.
    "publishing.dispatch_due": {
        "task": "publishing.dispatch_due",
        "schedule": DISPATCH_INTERVAL,
        "options": {"expires": 30},
    },
    # Deliveries left in flight by a crashed worker: reconcile or hand to a person.
    "publishing.sweep_stuck": {
        "task": "publishing.sweep_stuck",
        "schedule": SWEEP_INTERVAL,
        "options": {"expires": 50},
    },
    # Tokens that lapse soon are refreshed (X's live two hours), well before they do.
    "channels.refresh_connections": {
        "task": "channels.refresh_connections",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 240},
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
