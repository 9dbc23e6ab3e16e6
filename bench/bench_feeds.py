"""Benchmark of the public iCal feeds.

    .venv/bin/python bench/bench_feeds.py [--sizes 1000 5000] [--requests 2000]

Creates a throwaway database (SQLite in a temp dir, or PostgreSQL when DATABASE_URL is
set) with N published events (timed, all-day, weekly series, cancelled ones), then prints:

1. feed build time (query + serialisation, no body cache) for N events, next to a 10-event
   baseline and next to django-ical building the same events in the same run: cold (no
   event serialised yet: a fresh process) and after a one-event change (the others reused);
2. requests per second through Django's full request stack (middleware included, the
   in-process test client) for the cached feed (gzip, as calendar clients ask, and plain), a
   conditional GET answered 304, and a minimal Django view returning a constant: the floor
   any view pays;
3. with ``--server``, the same on a real gunicorn server (2 workers x 4 threads, keep-alive
   clients in 8 threads) on 127.0.0.1, the same server for every URL, with the per-process
   cache and with Redis (``--cache``; a throwaway redis-server on loopback); with Redis also
   a change under load: 8 clients poll at once right after one event changes, and the run
   counts how many times the feed is rebuilt and how long the slowest poll waits.

Not a test; the figures describe this machine and this run.
"""

import argparse
import gzip
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
import environ  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, RequestFactory, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_ical.views import ICalFeed  # noqa: E402

from apps.events import feeds, ical  # noqa: E402
from apps.events.ical import STATUS, public_url  # noqa: E402
from apps.events.models import Event, EventCategory, EventStatus  # noqa: E402
from apps.events.selectors import feed_events  # noqa: E402

GZIP_HEADERS = {"Accept-Encoding": "gzip"}
ROUNDS = 5  # the machine may be shared: the best of five interleaved rounds per case
env = environ.Env
BUILDS_KEY = "bench:feed-builds"


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


def _cold_build() -> bytes:
    ical._EVENT_LINES.clear()
    return feeds.build_feed_body()


def _one_change_best(repeat: int) -> float:
    """The rebuild after one event changed (the save and its signals are not timed)."""
    times = []
    for _ in range(repeat):
        event = Event.objects.order_by("?").first()
        event.title = f"{event.title}!"
        event.save(update_fields=["title", "updated_at"])
        start = time.perf_counter()
        feeds.build_feed_body()
        times.append(time.perf_counter() - start)
    return min(times)


def _build_figures(n: int, repeat: int) -> dict:
    _populate(n)
    cold = _best(_cold_build, repeat)
    feeds.build_feed_body()
    one_change = _one_change_best(repeat)
    theirs_feed = DjangoIcalFeed()
    factory_request = RequestFactory().get("/bench.ics", HTTP_HOST="127.0.0.1")
    theirs = _best(lambda: theirs_feed(factory_request), repeat)
    body = feeds.build_feed_body()
    return {
        "n": n,
        "cold": cold,
        "one_change": one_change,
        "django_ical": theirs,
        "bytes": len(body),
        "gzip_bytes": len(gzip.compress(body, compresslevel=feeds.GZIP_LEVEL)),
    }


def _rps(client: Client, url: str, count: int, **headers) -> tuple[float, float, int]:
    """Requests per second over ``count`` sequential requests (after one warm-up): per
    wall-clock second, and per CPU second of this process (steady on a shared machine)."""
    status = client.get(url, **headers).status_code
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        client.get(url, **headers)
    return (
        count / (time.perf_counter() - start),
        count / (time.process_time() - cpu),
        status,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_cpu(master: int) -> float:
    """CPU seconds used so far by the gunicorn workers (children of ``master``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _http_rps(port: int, path: str, count: int, headers: dict, master: int, threads: int = 8):
    """Requests per second with ``threads`` keep-alive clients sharing ``count`` requests, per
    wall-clock second and per CPU second of the server's workers."""
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
    start, cpu = time.perf_counter(), _server_cpu(master)
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall, used = time.perf_counter() - start, _server_cpu(master) - cpu
    return len(statuses) / wall, len(statuses) / max(used, 1e-3), sorted(set(statuses))


def _start_redis() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, f"redis://127.0.0.1:{port}/0"


def _get(connection, path: str, headers: dict) -> tuple[int, str | None, float]:
    start = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status, response.getheader("ETag"), time.perf_counter() - start


def _change_under_load(port: int, clients: int = 8) -> dict:
    """One event changes while ``clients`` poll at once, each with the ETag it had: how many
    builds, how many polls got the old body meanwhile, the slowest poll."""
    connections = [
        http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(clients)
    ]
    etags = [_get(c, "/eventi/feed.ics", GZIP_HEADERS)[1] for c in connections]
    cache.set(BUILDS_KEY, 0, None)
    event = Event.objects.order_by("pk").first()
    event.title = f"{event.title} (cambiato)"
    event.save(update_fields=["title", "updated_at"])
    time.sleep(feeds.LOCAL_VERSION_SECONDS + 0.2)  # every worker's known version expires
    for connection in connections:  # idle longer than gunicorn's keep-alive: reconnect
        connection.close()
        connection.connect()
    results: list[tuple[int, str | None, float]] = []
    barrier = threading.Barrier(clients)

    def poll(index: int):
        barrier.wait()
        headers = {**GZIP_HEADERS, "If-None-Match": etags[index]}
        results.append(_get(connections[index], "/eventi/feed.ics", headers))

    threads = [threading.Thread(target=poll, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    new_etag = None
    while new_etag in (None, etags[0]):  # the new body, once built
        new_etag = _get(connections[0], "/eventi/feed.ics", GZIP_HEADERS)[1]
    for connection in connections:
        connection.close()
    return {
        "builds": cache.get(BUILDS_KEY),
        "old_body": sum(1 for status, _etag, _s in results if status == 304),
        "new_body": sum(1 for status, etag, _s in results if status == 200 and etag == new_etag),
        "slowest": max(seconds for _status, _etag, seconds in results),
        "statuses": sorted({status for status, _etag, _s in results}),
    }


def _server_figures(count: int, cache_url: str | None) -> tuple[list, dict | None]:
    port = _free_port()
    env = {**os.environ, "BENCH_FEEDS_SERVER": "1"}
    if cache_url:
        env["CACHE_URL"] = cache_url
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
        first.request("GET", "/eventi/feed.ics", headers=GZIP_HEADERS)
        response = first.getresponse()
        response.read()
        gzip_etag = response.getheader("ETag")
        cases = [
            ("minimal Django view", "/minimo/", {}),
            ("cached feed, gzip (200)", "/eventi/feed.ics", GZIP_HEADERS),
            ("cached feed, plain (200)", "/eventi/feed.ics", {}),
            (
                "conditional GET (304)",
                "/eventi/feed.ics",
                {**GZIP_HEADERS, "If-None-Match": gzip_etag},
            ),
        ]
        best: dict[str, list] = {}
        for _ in range(ROUNDS):  # interleaved rounds, best of each: load noise hits all alike
            for name, path, headers in cases:
                rps, per_cpu, codes = _http_rps(port, path, count, headers, server.pid)
                row = best.setdefault(name, [0.0, 0.0, codes])
                row[0], row[1] = max(row[0], rps), max(row[1], per_cpu)
        rows = [(name, *best[name]) for name, _path, _headers in cases]
        return rows, (_change_under_load(port) if cache_url else None)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _print_rows(rows: list) -> None:
    """One line per case: req/s by the clock and per CPU second, each next to the minimal view."""
    floor_wall, floor_cpu = rows[0][1][0], rows[0][1][1]
    print(f"   {'':<26} {'req/s':>9} {'x min':>6}  {'req/CPU-s':>10} {'x min':>6}  HTTP")
    for name, (wall, cpu, codes) in rows:
        print(
            f"   {name:<26} {wall:>9.0f} {wall / floor_wall:>6.2f}  {cpu:>10.0f} "
            f"{cpu / floor_cpu:>6.2f}  {codes}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server", action="store_true", help="also measure on gunicorn")
    parser.add_argument(
        "--cache", nargs="+", choices=["locmem", "redis"], default=["locmem", "redis"]
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    cache.clear()
    print(f"Database: {django.conf.settings.DATABASES['default']['ENGINE']}")
    print("\n1. Feed build (no body cache), best of", args.repeat)
    print(
        f"{'events':>7} {'cold ms':>9} {'1 change ms':>12} {'django-ical ms':>15} "
        f"{'cold/dj':>8} {'1chg/dj':>8} {'KiB':>7} {'gzip KiB':>9}"
    )
    for n in [10, *args.sizes]:
        f = _build_figures(n, args.repeat)
        print(
            f"{n:>7} {f['cold'] * 1000:>9.1f} {f['one_change'] * 1000:>12.1f} "
            f"{f['django_ical'] * 1000:>15.1f} {f['cold'] / f['django_ical']:>8.2f} "
            f"{f['one_change'] / f['django_ical']:>8.2f} {f['bytes'] / 1024:>7.0f} "
            f"{f['gzip_bytes'] / 1024:>9.0f}"
        )
    print("   cold: no event serialised yet; 1 change: one event changed since the last build")
    print("   x/dj = ours / django-ical (below 1: ours faster); baseline is the 10-event row")

    print(
        f"\n2. Requests per second in process, best of {ROUNDS} x {args.requests} sequential "
        "requests, "
        f"{args.sizes[-1]} events"
    )
    with override_settings(ROOT_URLCONF=sys.modules[__name__], ALLOWED_HOSTS=["testserver"]):
        client = Client()
        gzip_etag = client.get("/eventi/feed.ics", HTTP_ACCEPT_ENCODING="gzip")["ETag"]
        cases = {
            "minimal Django view": ("/minimo/", {}),
            "cached feed, gzip (200)": ("/eventi/feed.ics", {"HTTP_ACCEPT_ENCODING": "gzip"}),
            "cached feed, plain (200)": ("/eventi/feed.ics", {}),
            "conditional GET (304)": (
                "/eventi/feed.ics",
                {"HTTP_ACCEPT_ENCODING": "gzip", "HTTP_IF_NONE_MATCH": gzip_etag},
            ),
        }
        best: dict[str, list] = {}
        for _ in range(ROUNDS):  # interleaved rounds, best of each: load noise hits all alike
            for key, (url, headers) in cases.items():
                rps, per_cpu, status = _rps(client, url, args.requests, **headers)
                row = best.setdefault(key, [0.0, 0.0, status])
                row[0], row[1] = max(row[0], rps), max(row[1], per_cpu)
    _print_rows(list(best.items()))

    if args.server:
        redis = None
        try:
            for backend in args.cache:
                cache_url = None
                if backend == "redis":
                    redis, cache_url = _start_redis()
                print(
                    f"\n3. gunicorn on 127.0.0.1, {args.requests} requests, {args.sizes[-1]} "
                    f"events, cache: {backend}"
                )
                caches = {"default": env.cache_url_config(cache_url)} if cache_url else {}
                with override_settings(**({"CACHES": caches} if caches else {})):
                    rows, change = _server_figures(args.requests, cache_url)
                _print_rows([(name, (rps, cpu, codes)) for name, rps, cpu, codes in rows])
                if change:
                    print(
                        f"   one event changed, 8 polls at once: {change['builds']} build(s), "
                        f"{change['old_body']} answered from the old body (304), "
                        f"{change['new_body']} got the new one, slowest poll "
                        f"{change['slowest'] * 1000:.0f} ms, HTTP {change['statuses']}"
                    )
        finally:
            if redis is not None:
                redis.terminate()
                redis.wait(timeout=30)


if os.environ.get("BENCH_FEEDS_SERVER"):
    # Imported by gunicorn (``--server``): serve the project plus the minimal view.
    from django.conf import settings as django_settings
    from django.core.wsgi import get_wsgi_application

    django_settings.ROOT_URLCONF = __name__
    django_settings.ALLOWED_HOSTS = ["127.0.0.1"]
    _build = feeds.build_feed_body

    def _counted_build(*args, **kwargs):
        """The real build, counted in the shared cache (the change-under-load figure)."""
        try:
            cache.incr(BUILDS_KEY)
        except ValueError:
            cache.set(BUILDS_KEY, 1, None)
        return _build(*args, **kwargs)

    feeds.build_feed_body = _counted_build
    application = get_wsgi_application()


if __name__ == "__main__":
    main()
