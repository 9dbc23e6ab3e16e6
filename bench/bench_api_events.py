"""Benchmark of the API's public events list next to a bare Django JSON view.

    .venv/bin/python bench/bench_api_events.py [--events 5000] [--rounds 30]

Creates a throwaway test database (SQLite by default, PostgreSQL when DATABASE_URL is set)
with ``--events`` published events spread over a year, then times, in the same run:

- ``bare``: a plain Django view that runs the same query (events touching the range, with
  their category, the first page) and returns ``JsonResponse`` of ``values()``;
- ``api``: ``GET /api/v1/events`` with the same range and page size (django-ninja, pydantic
  validation of the response, problem details, rate-limit counter, pagination count).

Both go through the project's whole middleware stack. It prints queries, median and p95 wall
time and median CPU time per page size. Not a test; the figures are indicative of this machine.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")
os.environ.setdefault("PA_PLANNER_VAR_DIR", tempfile.mkdtemp(prefix="pa-bench-"))
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.events.models import Event, EventCategory  # noqa: E402

START = datetime(2030, 1, 1, tzinfo=timezone.get_fixed_timezone(60))
END = START + timedelta(days=365)
RANGE = "start=2030-01-01T00:00:00%2B01:00&end=2031-01-01T00:00:00%2B01:00"


def bare(request):
    """What a hand-written JSON view of the same page would do, and nothing more."""
    size = int(request.GET.get("page_size", 50))
    events = (
        Event.objects.select_related("category")
        .filter(Q(ends_at__gt=START), starts_at__lt=END, published=True)
        .order_by("starts_at", "id")
    )
    rows = list(
        events.values(
            "id",
            "uid",
            "title",
            "description",
            "all_day",
            "starts_at",
            "ends_at",
            "location_name",
            "address",
            "category__slug",
            "category__name",
            "status",
        )[:size]
    )
    return JsonResponse({"count": events.count(), "results": rows})


urlpatterns = [path("_bench/bare", bare), path("", include("pa_planner.urls"))]


def _measure(client: Client, url: str, rounds: int) -> tuple[int, float, float, float, int]:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    timings, cpu, queries = [], [], 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return queries, statistics.median(timings), p95, statistics.median(cpu), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    overrides = {
        "ROOT_URLCONF": __name__,
        "ALLOWED_HOSTS": ["testserver"],
        "DEBUG": False,
        "API_ANONYMOUS_RATE_LIMIT": 10**9,
    }
    with override_settings(**overrides):
        category = EventCategory.objects.order_by("id").first() or EventCategory.objects.create(
            name="Cultura", slug="cultura"
        )
        Event.objects.bulk_create(
            [
                Event(
                    title=f"Evento {n}",
                    description="Concerto della banda municipale in piazza. " * 3,
                    starts_at=START + timedelta(hours=n * 8760 // args.events),
                    ends_at=START + timedelta(hours=n * 8760 // args.events + 2),
                    location_name="Piazza del Municipio",
                    category=category,
                    published=True,
                )
                for n in range(args.events)
            ],
            batch_size=500,
        )
        client = Client()
        print(
            f"Database: {connection.vendor}; {Event.objects.count()} events; "
            f"{args.rounds} requests per figure (ms)."
        )
        print(
            f"{'view':<5} {'page':>5} {'queries':>8} {'median':>8} {'p95':>8} {'cpu':>7} "
            f"{'bytes':>8} {'×bare':>6}"
        )
        for size in (50, 200):
            results = {
                "bare": _measure(client, f"/_bench/bare?page_size={size}", args.rounds),
                "api": _measure(client, f"/api/v1/events?{RANGE}&page_size={size}", args.rounds),
            }
            for name, (queries, median, p95, cpu, size_bytes) in results.items():
                ratio = median / results["bare"][1]
                print(
                    f"{name:<5} {size:>5} {queries:>8} {median:>8.1f} {p95:>8.1f} {cpu:>7.1f} "
                    f"{size_bytes:>8} {ratio:>6.1f}"
                )
    connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
