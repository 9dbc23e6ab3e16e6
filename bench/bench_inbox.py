"""Benchmark of the citizens' inbox.

    .venv/bin/python bench/bench_inbox.py [--messages 100000] [--batch 500] [--requests 20]

Creates a throwaway database (SQLite in a temp dir, or PostgreSQL when DATABASE_URL is set)
and prints:

1. ingest: N messages (one conversation each, as N comments from N citizens) stored through
   ``apps.inbox.services.ingest`` in batches (as a collector's pages arrive), in messages/s,
   next to a bare INSERT loop of the same rows into a plain table of the same database
   (``executemany`` per batch, one transaction per batch): the floor of writing the rows.
   Then the same batches again (a poll repeated): every message already stored, none added.
2. the inbox page with those N items through Django's full request stack (the in-process
   test client, logged in): the default view (open conversations, overdue first), a keyword
   filter, and a late page; next to a minimal view returning a constant, the floor any page
   pays in the same stack.

Not a test; the figures describe this machine and this run.
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
os.environ.setdefault("PA_PLANNER_VAR_DIR", tempfile.mkdtemp(prefix="pa-bench-inbox-"))
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.roles import Role  # noqa: E402
from apps.channels.models import Channel  # noqa: E402
from apps.inbox.collectors.base import Incoming  # noqa: E402
from apps.inbox.models import Message  # noqa: E402
from apps.inbox.services import ingest  # noqa: E402

TEXTS = [
    "Quando scade la seconda rata della TARI?",
    "Buca profonda in via Roma davanti al civico 12",
    "L'anagrafe è aperta il sabato mattina?",
    "Grazie per l'aggiornamento sul cantiere",
    "La ZTL è attiva la domenica?",
]


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bare/", bare), path("", include("pa_planner.urls"))]


def _items(start: int, count: int, now) -> list[Incoming]:
    return [
        Incoming(
            network_id=f"b{n}",
            kind="comment",
            thread_key=f"b{n}",
            text=TEXTS[n % len(TEXTS)] + f" ({n})",
            received_at=now - timedelta(minutes=n % 20000),
            author_id=f"u{n}",
            author_name=f"Cittadino {n}",
        )
        for n in range(start, start + count)
    ]


def bench_ingest(total: int, batch: int) -> None:
    channel = Channel.objects.create(name="Bench", kind="mastodon")
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, total, batch):
        ingest(channel=channel, items=_items(start, min(batch, total - start), now))
    ingest_seconds = time.perf_counter() - started
    assert Message.objects.count() == total

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, network_id VARCHAR(200), "
            "text TEXT, received_at VARCHAR(40))"
            if connection.vendor == "sqlite"
            else "CREATE TABLE bench_bare (id SERIAL PRIMARY KEY, network_id VARCHAR(200), "
            "text TEXT, received_at TIMESTAMPTZ)"
        )
    started = time.perf_counter()
    for start in range(0, total, batch):
        rows = [
            (i.network_id, i.text, i.received_at.isoformat())
            for i in _items(start, min(batch, total - start), now)
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_bare (network_id, text, received_at) VALUES (%s, %s, %s)", rows
            )
    bare_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for start in range(0, total, batch):
        ingest(channel=channel, items=_items(start, min(batch, total - start), now))
    repeat_seconds = time.perf_counter() - started
    assert Message.objects.count() == total

    print(f"ingest of {total:,} messages in batches of {batch} ({connection.vendor}):")
    print(
        f"  inbox ingest        {total / ingest_seconds:10,.0f} messages/s ({ingest_seconds:.1f} s)"
    )
    print(f"  bare INSERT loop    {total / bare_seconds:10,.0f} rows/s     ({bare_seconds:.1f} s)")
    print(f"  same pages again    {total / repeat_seconds:10,.0f} messages/s (nothing stored)")


def _time(client, url: str, requests: int) -> tuple[float, float]:
    client.get(url)  # warm
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, max(times) * 1000


def bench_page(total: int, requests: int) -> None:
    user = User.objects.create_user("bench", password="x")
    user.groups.add(Group.objects.get(name=Role.EDITOR.value))
    client = Client()
    client.force_login(user)
    print(f"inbox page with {total:,} conversations (median / max of {requests} requests):")
    with override_settings(ROOT_URLCONF=sys.modules[__name__], ALLOWED_HOSTS=["testserver"]):
        for label, url in (
            ("inbox, open first", "/conversazioni/"),
            ("keyword filter", "/conversazioni/?cerca=anagrafe"),
            ("page 200", "/conversazioni/?stato=&pagina=200"),
            ("bare view", "/bare/"),
        ):
            median, worst = _time(client, url, requests)
            print(f"  {label:20} {median:8.1f} ms  (max {worst:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    bench_ingest(args.messages, args.batch)
    bench_page(args.messages, args.requests)


if __name__ == "__main__":
    main()
