"""Benchmark of the notification centre next to what it replaced or builds on.

    .venv/bin/python bench/bench_notifications.py [--rows 100000] [--people 50] [--rounds 50]

Creates a throwaway test database (SQLite by default, PostgreSQL when DATABASE_URL is set)
with ``--people`` staff and ``--rows`` notifications spread over them (a third unread), then
times, in the same run:

- ``notify`` of one event to 20 approvers (rows written, preferences read, the email rendered
  and handed to the mail backend) next to ``email_people``, the one call it replaced;
- the header's unread count, uncached (``unread_count(fresh=True)``: the partial index) and
  kept (the cache), next to a bare primary-key lookup of one user;
- ``send_due_emails`` with 20 people's digests due, next to 20 ``email_people`` calls.

Emails go to Django's in-memory backend. Not a test; figures are indicative of this machine.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")
os.environ.setdefault("PA_PLANNER_VAR_DIR", tempfile.mkdtemp(prefix="pa-bench-"))
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core import mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.mail import email_people  # noqa: E402
from apps.accounts.roles import Role  # noqa: E402
from apps.notifications import selectors, services  # noqa: E402
from apps.notifications.enums import Delivery, Kind  # noqa: E402
from apps.notifications.models import Notification, NotificationSettings  # noqa: E402


def _time(fn, rounds: int) -> tuple[float, float]:
    fn()  # warm-up
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[round(0.95 * (len(timings) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", DEBUG=False
    ):
        approvers = Group.objects.get(name=Role.APPROVER.value)
        people = [
            User.objects.create(username=f"persona{n}", email=f"persona{n}@comune.esempio.it")
            for n in range(args.people)
        ]
        approvers.user_set.add(*people[:20])
        now = timezone.now()
        Notification.objects.bulk_create(
            [
                Notification(
                    user=people[n % len(people)],
                    kind=Kind.APPROVED,
                    params={"title": f"Post {n}"},
                    url="/calendario/",
                    read_at=None if n % 3 == 0 else now,
                )
                for n in range(args.rows)
            ],
            batch_size=2000,
        )
        reader = people[0]
        title = {"title": "Chiusura anagrafe"}

        def subject():
            return "Da approvare: Chiusura anagrafe"

        def body():
            return "Un post aspetta la tua approvazione."

        figures = {
            "email_people (before)": _time(
                lambda: email_people(people[:20], subject=subject, body=body), args.rounds
            ),
            "notify, 20 people": _time(
                lambda: services.notify(
                    people[:20],
                    Kind.REVIEW_NEEDED,
                    params=title,
                    url="/revisione/",
                    email=services.Email(subject=subject, body=body),
                ),
                args.rounds,
            ),
            "user by pk (bare)": _time(lambda: User.objects.get(pk=reader.pk), args.rounds),
            "unread count, db": _time(
                lambda: selectors.unread_count(reader, fresh=True), args.rounds
            ),
            "unread count, kept": _time(lambda: selectors.unread_count(reader), args.rounds),
        }
        for person in people[:20]:
            NotificationSettings.objects.update_or_create(
                user=person, defaults={"choices": {Kind.MENTION: Delivery.DIGEST}}
            )

        def due_digests():
            services.notify(people[:20], Kind.MENTION, params=title | {"author": "Anna"})
            Notification.objects.filter(kind=Kind.MENTION).update(email_due_at=now)
            start = time.perf_counter()
            services.send_due_emails(now=now + timedelta(seconds=1))
            return (time.perf_counter() - start) * 1000

        def twenty_emails():
            start = time.perf_counter()
            for person in people[:20]:
                email_people([person], subject=subject, body=body)
            return (time.perf_counter() - start) * 1000

        digests = sorted(due_digests() for _ in range(args.rounds))
        singles = sorted(twenty_emails() for _ in range(args.rounds))
        figures["20 emails one by one (bare)"] = (statistics.median(singles), singles[-2])
        figures["send_due_emails, 20 people"] = (statistics.median(digests), digests[-2])
        mail.outbox = []

        print(
            f"Database: {connection.vendor}; {Notification.objects.count()} notifications, "
            f"{args.people} people; {args.rounds} rounds per figure (ms)."
        )
        print(f"{'':<30} {'median':>8} {'p95':>8}")
        for name, (median, p95) in figures.items():
            print(f"{name:<30} {median:>8.2f} {p95:>8.2f}")
    connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
