"""Benchmark of the calendar views.

    .venv/bin/python bench/bench_calendar.py [--posts 2000] [--rounds 15]

Creates a throwaway test database (SQLite by default, PostgreSQL when DATABASE_URL is set) with
8 channels and, in one month, first 50 posts (the baseline) and then 2,000 posts (two or three
channels each). For the month, week and list views it prints queries per request, the
median and p95 wall time, the median CPU time of the process and the part of it spent in the
kernel, next to the median time of a minimal Django view (an HttpResponse through the same
middleware) measured in the same run. Queries must not grow with the posts; time grows with
what is rendered. Not a test; the figures are indicative of this machine.

To compare with an earlier version, run this same file from a copy of that version's tree
(``git archive <commit> | tar -x -C /tmp/old``), alternating runs, and compare medians:
docs/calendar.md ("Speed of the month view") records the last comparison.
"""

import argparse
import os
import resource
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
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.roles import Role  # noqa: E402
from apps.channels.enums import ChannelKind  # noqa: E402
from apps.channels.models import Channel  # noqa: E402
from apps.planning.models import ContentCategory, Post, Variant  # noqa: E402


def minimal(request):
    return HttpResponse("ok")


# This module is the URLconf of the run: the project's URLs plus the minimal view.
urlpatterns = [path("_bench/minimal", minimal), path("", include("pa_planner.urls"))]

MONTH = datetime(2030, 3, 1, tzinfo=timezone.get_fixed_timezone(60))
VIEWS = {
    "month": "/calendario/?vista=mese&data=2030-03-15",
    "week": "/calendario/?vista=settimana&data=2030-03-13",
    "list": "/calendario/?vista=elenco&data=2030-03-01",
}


def _fill(total: int, author, channels, categories) -> None:
    """Bring the month up to ``total`` posts, spread over its days between 7:00 and 21:00."""
    existing = Post.objects.count()
    posts = [
        Post(
            title=f"Post di prova {n}",
            category=categories[n % len(categories)],
            planned_at=MONTH + timedelta(days=n % 31, hours=7 + n % 14, minutes=n % 60),
            base_text="Lunedì l'ufficio anagrafe resta chiuso per lavori.",
            author=author,
            last_editor=author,
        )
        for n in range(existing, total)
    ]
    created = Post.objects.bulk_create(posts, batch_size=500)
    variants = []
    for n, post in enumerate(created):
        for channel in channels[n % 6 : n % 6 + 2 + n % 2]:
            variants.append(Variant(post=post, channel=channel, text=post.base_text))
    Variant.objects.bulk_create(variants, batch_size=1000)


def _measure(client: Client, url: str, rounds: int) -> tuple[int, float, float, float, float]:
    """Queries, median and p95 wall time, median CPU time of this process and the median
    share of it spent in the kernel (ms).

    CPU time is printed too because wall time on a shared machine includes other processes.
    The kernel's share (page faults, reads of the database file) varies from one process to
    the next far more than the Python work does: compare the user time too.
    Queries: the fewest of the rounds, since the stall banner's check (cached for 15 s) adds a
    few to whichever request finds its answer expired, which on a slow run is any of them.
    """
    client.get(url)  # warm-up: template loading, caches
    timings, cpu, system, queries = [], [], [], []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            start_system = resource.getrusage(resource.RUSAGE_SELF).ru_stime
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            system.append((resource.getrusage(resource.RUSAGE_SELF).ru_stime - start_system) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(ctx.captured_queries))
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return (
        min(queries),
        statistics.median(timings),
        p95,
        statistics.median(cpu),
        statistics.median(system),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--baseline", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], DEBUG=False):
        author = User.objects.create_user("bench", password="x")
        author.groups.add(Group.objects.get(name=Role.EDITOR.value))
        kinds = [
            ChannelKind.FACEBOOK,
            ChannelKind.INSTAGRAM,
            ChannelKind.X,
            ChannelKind.LINKEDIN,
            ChannelKind.TELEGRAM,
            ChannelKind.MASTODON,
            ChannelKind.NEWSLETTER,
            ChannelKind.WEBSITE,
        ]
        channels = [Channel.objects.create(name=f"Canale {k}", kind=k) for k in kinds]
        categories = list(ContentCategory.objects.all())
        client = Client()
        client.force_login(author)

        print(f"Database: {connection.vendor}; {args.rounds} requests per figure (ms).")
        q, base_median, base_p95, base_cpu, _ = _measure(client, "/_bench/minimal", args.rounds)
        print(
            f"minimal view: median {base_median:.1f} ms, p95 {base_p95:.1f} ms, "
            f"cpu {base_cpu:.1f} ms, {q} queries"
        )
        results = {}
        for total in (args.baseline, args.posts):
            _fill(total, author, channels, categories)
            for name, url in VIEWS.items():
                results[(total, name)] = _measure(client, url, args.rounds)
        print(
            f"{'view':<6} {'posts':>6} {'queries':>8} {'median':>9} {'p95':>9} {'cpu':>8} "
            f"{'of it sys':>9} {'×minimal':>9}"
        )
        for (total, name), (queries, median, p95, cpu, system) in sorted(
            results.items(), key=lambda item: (item[0][1], item[0][0])
        ):
            print(
                f"{name:<6} {total:>6} {queries:>8} {median:>8.1f}  {p95:>8.1f} {cpu:>8.1f} "
                f"{system:>9.1f} {median / base_median:>9.0f}"
            )
        for name in VIEWS:
            small, large = results[(args.baseline, name)], results[(args.posts, name)]
            verdict = "constant" if small[0] == large[0] else "GROWS"
            print(f"{name}: queries {small[0]} -> {large[0]} ({verdict})")
    connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
