"""Benchmark of the public iCal feeds.

    .venv/bin/python bench/bench_feeds.py [--sizes 1000 5000] [--requests 2000]

Creates a throwaway database (SQLite in a temp dir, or PostgreSQL when DATABASE_URL is
set) with N published events (timed, all-day, weekly series, cancelled ones), then prints:

1. feed build time (query + icalendar, no cache) for N events, next to a 10-event baseline
   and next to django-ical building the same events in the same run;
2. requests per second through Django's full request stack (middleware included, the
   in-process test client) for the cached feed, a conditional GET answered 304, and a
   minimal Django view returning a constant: the floor any view pays;
3. with ``--server``, the same three on a real gunicorn server (2 workers x 4 threads,
   keep-alive clients in 8 threads) on 127.0.0.1: the same server for all three URLs.

Not a test; the figures describe this machine and this run.
"""

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")
os.environ.setdefault("PA_PLANNER_VAR_DIR", tempfile.mkdtemp(prefix="pa-bench-feeds-"))
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, RequestFactory, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_ical.views import ICalFeed  # noqa: E402

from apps.events import feeds  # noqa: E402
from apps.events.ical import STATUS, public_url  # noqa: E402
from apps.events.models import Event, EventCategory, EventStatus  # noqa: E402
from apps.events.selectors import feed_events  # noqa: E402


def minimal_view(request):
    return HttpResponse(b"ok", content_type="text/plain")


# This module is the URLconf of the request benchmark: the project's URLs plus the baseline.
urlpatterns = [path("minimo/", minimal_view), path("", include("pa_planner.urls"))]


class DjangoIcalFeed(ICalFeed):
    """django-ical describing the same events the same way (what a project might pick)."""

    product_id = "-//PA Planner bench//django-ical//IT"
    timezone = "Europe/Rome"
    title = "Eventi"

    def items(self):
        return feed_events(now=timezone.now())

    def item_guid(self, item):
        return str(item.uid)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.description

    def item_link(self, item):
        return public_url(item)

    def item_start_datetime(self, item):
        return item.first_day if item.all_day else timezone.localtime(item.starts_at)

    def item_end_datetime(self, item):
        if item.all_day:
            return item.last_day + timedelta(days=1)
        return timezone.localtime(item.ends_at)

    def item_updateddate(self, item):
        return item.updated_at

    def item_timestamp(self, item):
        return item.updated_at

    def item_location(self, item):
        return item.full_location

    def item_status(self, item):
        return STATUS[item.status]

    def item_categories(self, item):
        return [item.category.name]

    def item_rrule(self, item):
        return {"freq": "weekly"} if item.rrule else None


def _populate(n: int) -> None:
    Event.objects.all().delete()
    categories = list(EventCategory.objects.all())
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    rows = []
    for i in range(n):
        starts = now + timedelta(hours=7 * i)
        kind = i % 10
        event = Event(
            title=f"Evento {i}: concerto, mostra; incontro «àèìòù»",
            description="Descrizione con virgole, punti e virgola; e a capo.\n" * 5,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            location_name="Piazza del Municipio",
            address="Via Roma 1",
            category=categories[i % len(categories)],
            published=True,
        )
        if kind == 0:
            event.all_day = True
            day = timezone.localtime(starts).replace(hour=0)
            event.starts_at, event.ends_at = day, day + timedelta(days=2)
        elif kind == 1:
            event.rrule = "FREQ=WEEKLY"
        elif kind == 2:
            event.status, event.cancelled_at = EventStatus.CANCELLED, now
        rows.append(event)
    Event.objects.bulk_create(rows, batch_size=500)
    feeds.bump_feed_version()


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _build_figures(n: int, repeat: int) -> dict:
    _populate(n)
    ours = _best(feeds.build_feed_body, repeat)
    theirs_feed = DjangoIcalFeed()
    factory_request = RequestFactory().get("/bench.ics", HTTP_HOST="127.0.0.1")
    theirs = _best(lambda: theirs_feed(factory_request), repeat)
    size = len(feeds.build_feed_body())
    return {"n": n, "ours": ours, "django_ical": theirs, "bytes": size}


def _rps(client: Client, url: str, count: int, **headers) -> tuple[float, int]:
    """Requests per second over ``count`` sequential requests (after one warm-up)."""
    status = client.get(url, **headers).status_code
    start = time.perf_counter()
    for _ in range(count):
        client.get(url, **headers)
    return count / (time.perf_counter() - start), status


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_rps(port: int, path: str, count: int, headers: dict, threads: int = 8):
    """Requests per second with ``threads`` keep-alive clients sharing ``count`` requests."""
    statuses: list[int] = []

    def worker(share: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(share):
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
        connection.close()

    worker(threads)  # warm up: every worker process fills its cache
    statuses.clear()
    pool = [threading.Thread(target=worker, args=(count // threads,)) for _ in range(threads)]
    start = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return len(statuses) / (time.perf_counter() - start), sorted(set(statuses))


def _server_figures(count: int) -> list[tuple[str, float, list[int]]]:
    port = _free_port()
    env = {**os.environ, "BENCH_FEEDS_SERVER": "1"}
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--chdir",
        str(Path(__file__).resolve().parent),
        "--workers",
        "2",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--log-level",
        "warning",
        "--bind",
        f"127.0.0.1:{port}",
        "bench_feeds:application",
    ]
    server = subprocess.Popen(command, env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        first = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        first.request("GET", "/eventi/feed.ics")
        response = first.getresponse()
        response.read()
        etag = response.getheader("ETag")
        cases = [
            ("minimal Django view", "/minimo/", {}),
            ("cached feed (200)", "/eventi/feed.ics", {}),
            ("conditional GET (304)", "/eventi/feed.ics", {"If-None-Match": etag}),
        ]
        best: dict[str, tuple[float, list[int]]] = {}
        for _ in range(3):  # interleaved rounds, best of three: load noise hits all alike
            for name, path, headers in cases:
                rps, codes = _http_rps(port, path, count, headers)
                if rps > best.get(name, (0.0, []))[0]:
                    best[name] = (rps, codes)
        return [(name, *best[name]) for name, _path, _headers in cases]
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server", action="store_true", help="also measure on gunicorn")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    cache.clear()
    print(f"Database: {django.conf.settings.DATABASES['default']['ENGINE']}")
    print("\n1. Feed build (no cache), best of", args.repeat)
    print(
        f"{'events':>7} {'ours ms':>9} {'django-ical ms':>15} {'ratio':>6} {'KiB':>7} "
        f"{'ms/100 ev':>10}"
    )
    for n in [10, *args.sizes]:
        figures = _build_figures(n, args.repeat)
        per_100 = figures["ours"] * 1000 / n * 100
        print(
            f"{n:>7} {figures['ours'] * 1000:>9.1f} {figures['django_ical'] * 1000:>15.1f} "
            f"{figures['ours'] / figures['django_ical']:>6.2f} {figures['bytes'] / 1024:>7.0f} "
            f"{per_100:>10.2f}"
        )
    print("   ratio = ours / django-ical (below 1: ours faster); baseline is the 10-event row")

    print(
        f"\n2. Requests per second in process, best of 3 x {args.requests} sequential requests, "
        f"{args.sizes[-1]} events"
    )
    with override_settings(ROOT_URLCONF=sys.modules[__name__], ALLOWED_HOSTS=["testserver"]):
        client = Client()
        etag = client.get("/eventi/feed.ics")["ETag"]
        cases = {
            "minimal": ("/minimo/", {}),
            "cached": ("/eventi/feed.ics", {}),
            "304": ("/eventi/feed.ics", {"HTTP_IF_NONE_MATCH": etag}),
        }
        best: dict[str, tuple[float, int]] = {}
        for _ in range(3):  # interleaved rounds, best of three: load noise hits all alike
            for key, (url, headers) in cases.items():
                rps, status = _rps(client, url, args.requests, **headers)
                if rps > best.get(key, (0.0, 0))[0]:
                    best[key] = (rps, status)
        (minimal, _), (cached, status), (not_modified, status_304) = best.values()
    rows = [
        ("minimal Django view", minimal, 200),
        ("cached feed (200)", cached, status),
        ("conditional GET (304)", not_modified, status_304),
    ]
    for name, rps, code in rows:
        print(f"   {name:<24} {rps:>9.0f} req/s  (HTTP {code})  {rps / minimal:>5.2f}x minimal")

    if args.server:
        print(f"\n3. gunicorn on 127.0.0.1, {args.requests} requests, {args.sizes[-1]} events")
        rows = _server_figures(args.requests)
        floor = rows[0][1]
        for name, rps, codes in rows:
            print(f"   {name:<24} {rps:>9.0f} req/s  (HTTP {codes})  {rps / floor:>5.2f}x minimal")


if os.environ.get("BENCH_FEEDS_SERVER"):
    # Imported by gunicorn (``--server``): serve the project plus the minimal view.
    from django.conf import settings as django_settings
    from django.core.wsgi import get_wsgi_application

    django_settings.ROOT_URLCONF = __name__
    django_settings.ALLOWED_HOSTS = ["127.0.0.1"]
    application = get_wsgi_application()


if __name__ == "__main__":
    main()
