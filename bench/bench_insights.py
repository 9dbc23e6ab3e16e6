"""Benchmark of the "Risultati" pages and the yearly report on a busy Comune's year.

    .venv/bin/python bench/bench_insights.py [--deliveries 10000] [--rounds 5]

Creates a throwaway test database (SQLite by default, PostgreSQL when DATABASE_URL is set)
with 8 channels and one year (2030) of 10,000 sent deliveries (2,500 posts on four channels
each), 4 readings per delivery (40,000 rows), followers per channel per day (8 x 365) and the
newsletter's subscribers per day, 3 weekly rubriche with their fills and 1 crisis, 3,000
answers to citizens (response times) and one campaign of 200 posts (800 deliveries). It prints,
per page, queries, median and p95 wall time and median CPU time, next to two baselines
measured in the same run: a minimal Django view (an HttpResponse through the same
middleware) and WeasyPrint rendering a blank page. Target (issue 19): the yearly report under
one second on the embedded default (SQLite). Not a test; the figures are indicative of this
machine.
"""

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pa_planner.settings")
os.environ.setdefault("PA_PLANNER_VAR_DIR", tempfile.mkdtemp(prefix="pa-bench-"))
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("AXES_ENABLED", "0")
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)

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
from weasyprint import HTML  # noqa: E402

from apps.accounts.roles import Role  # noqa: E402
from apps.channels.enums import ChannelKind  # noqa: E402
from apps.channels.models import Channel  # noqa: E402
from apps.inbox.models import ResponseTime  # noqa: E402
from apps.insights.enums import BUCKETS, OFFSET  # noqa: E402
from apps.insights.models import AccountFigure, MetricSnapshot, NewsletterFigure  # noqa: E402
from apps.planning.enums import PostStatus  # noqa: E402
from apps.planning.models import Campaign, ContentCategory, Post, Variant  # noqa: E402
from apps.publishing.enums import DeliveryState  # noqa: E402
from apps.publishing.models import Delivery  # noqa: E402
from apps.slots.models import Slot, SlotFill  # noqa: E402


def minimal(request):
    return HttpResponse("ok")


urlpatterns = [path("_bench/minimal", minimal), path("", include("pa_planner.urls"))]

YEAR = 2030
ZONE = timezone.get_current_timezone()
PAGES = {
    "month (period page)": "/risultati/?periodo=month&giorno=2030-06-15",
    "year (period page)": "/risultati/?periodo=year&giorno=2030-06-15",
    "year, one channel": "/risultati/?periodo=year&giorno=2030-06-15&canale=1",
    "year, one campaign": "/risultati/?periodo=year&giorno=2030-06-15&campagna=1",
    "campaign page": "/calendario/campagne/1/",
    "yearly report HTML": f"/risultati/anno/{YEAR}/",
    "yearly report PDF": f"/risultati/anno/{YEAR}/pdf/",
}


def _fill(deliveries: int, author, answers: int = 3000) -> None:
    rng = random.Random(19)
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
    social = [c for c in channels if c.kind not in (ChannelKind.NEWSLETTER, ChannelKind.WEBSITE)]
    categories = list(ContentCategory.objects.all())
    posts_count = deliveries // 4
    start = datetime(YEAR, 1, 1, tzinfo=ZONE)
    posts = Post.objects.bulk_create(
        [
            Post(
                title=f"Post {n}",
                category=categories[n % len(categories)],
                planned_at=start
                + timedelta(days=n * 365 / posts_count, hours=rng.choice((8, 9, 12, 13, 18))),
                base_text="Lunedì l'ufficio anagrafe resta chiuso per lavori. Ci scusiamo.",
                status=PostStatus.PUBLISHED,
                author=author,
                last_editor=author,
            )
            for n in range(posts_count)
        ],
        batch_size=500,
    )
    variants = Variant.objects.bulk_create(
        [
            Variant(post=post, channel=channel, text=post.base_text)
            for n, post in enumerate(posts)
            for channel in (social[n % 6], social[(n + 1) % 6], social[(n + 3) % 6], channels[6])
        ],
        batch_size=1000,
    )
    post_of = {p.pk: p for p in posts}
    sent = Delivery.objects.bulk_create(
        [
            Delivery(
                variant=v,
                state=DeliveryState.SENT,
                due_at=post_of[v.post_id].planned_at,
                sent_at=post_of[v.post_id].planned_at,
                external_id=str(v.pk),
            )
            for v in variants
        ],
        batch_size=1000,
    )
    channel_of = {v.pk: v.channel_id for v in variants}
    post_id_of = {v.pk: v.post_id for v in variants}
    snapshots = []
    for d in sent:
        base = rng.randint(300, 4000)
        for i, bucket in enumerate(BUCKETS):
            growth = (0.3, 0.8, 0.95, 1.0)[i]
            reactions = round(base * 0.03 * growth)
            snapshots.append(
                MetricSnapshot(
                    delivery=d,
                    bucket=bucket,
                    phase="taken",
                    due_at=d.sent_at + OFFSET[bucket],
                    taken_at=d.sent_at + OFFSET[bucket],
                    channel_id=channel_of[d.variant_id],
                    post_id=post_id_of[d.variant_id],
                    sent_at=d.sent_at,
                    is_latest=i == 3,
                    impressions=round(base * growth),
                    reach=round(base * 0.7 * growth),
                    reactions=reactions,
                    comments=reactions // 8,
                    shares=reactions // 6,
                    link_clicks=round(base * 0.01 * growth),
                )
            )
    MetricSnapshot.objects.bulk_create(snapshots, batch_size=2000)
    AccountFigure.objects.bulk_create(
        [
            AccountFigure(
                channel=c, day=date(YEAR, 1, 1) + timedelta(days=d), followers=5000 + d * 3
            )
            for c in channels
            for d in range(365)
        ],
        batch_size=2000,
    )
    NewsletterFigure.objects.bulk_create(
        [
            NewsletterFigure(
                day=date(YEAR, 1, 1) + timedelta(days=d), confirmed=900 + d, unsubscribed=d // 10
            )
            for d in range(365)
        ]
    )
    campaign = Campaign.objects.create(
        name="TARI", starts_on=date(YEAR, 3, 1), ends_on=date(YEAR, 5, 31)
    )
    Post.objects.filter(pk__in=[p.pk for p in posts[500:700]]).update(campaign=campaign)
    ResponseTime.objects.bulk_create(
        [
            ResponseTime(
                channel=social[n % len(social)],
                kind="comment",
                waited_from=start + timedelta(hours=n * 2.9),
                answered_at=start + timedelta(hours=n * 2.9 + rng.uniform(0.2, 30)),
                working_seconds=rng.randint(300, 30 * 3600),
                target_seconds=8 * 3600 if n % 3 else 24 * 3600,
            )
            for n in range(answers)
        ],
        batch_size=2000,
    )
    for n, weekday in enumerate(("MO", "WE", "FR")):
        slot = Slot.objects.create(
            name=f"Rubrica {n}",
            rrule=f"FREQ=WEEKLY;BYDAY={weekday}",
            time=datetime(2030, 1, 1, 9).time(),
            category=categories[0],
            start_date=date(YEAR, 1, 1),
            owner=author,
        )
        slot.channels.set(social[:2])
    for n, post in enumerate(posts[:150]):
        SlotFill.objects.create(
            slot=Slot.objects.get(name=f"Rubrica {n % 3}"),
            occurrence_at=post.planned_at,
            post=post,
        )


def _measure(client: Client, url: str, rounds: int):
    client.get(url)  # warm-up: templates, caches
    timings, cpu, queries = [], [], []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(ctx.captured_queries))
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return min(queries), statistics.median(timings), p95, statistics.median(cpu)


def _blank_pdf(rounds: int):
    HTML(string="<p></p>").write_pdf()  # warm-up: fonts
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        HTML(string="<!DOCTYPE html><html><body><p></p></body></html>").write_pdf()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--answers", type=int, default=3000, help="response times (0: the pages without them)"
    )
    args = parser.parse_args()

    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], DEBUG=False):
        author = User.objects.create_user("bench", password="x")
        author.groups.add(Group.objects.get(name=Role.EDITOR.value))
        started = time.perf_counter()
        _fill(args.deliveries, author, args.answers)
        print(
            f"Database: {connection.vendor}; {Delivery.objects.count()} deliveries, "
            f"{MetricSnapshot.objects.count()} readings, {AccountFigure.objects.count()} "
            f"follower rows (made in {time.perf_counter() - started:.0f} s); "
            f"{args.rounds} requests per figure (ms)."
        )
        client = Client()
        client.force_login(author)
        q, base, base_p95, base_cpu = _measure(client, "/_bench/minimal", args.rounds)
        print(f"{'page':<22} {'queries':>7} {'median':>8} {'p95':>8} {'cpu':>8} {'×minimal':>9}")
        print(f"{'minimal view':<22} {q:>7} {base:>8.1f} {base_p95:>8.1f} {base_cpu:>8.1f} {1:>9}")
        blank = _blank_pdf(args.rounds)
        print(
            f"{'WeasyPrint blank page':<22} {'-':>7} {blank:>8.1f} {'-':>8} {'-':>8} "
            f"{blank / base:>9.0f}"
        )
        for name, url in PAGES.items():
            queries, median, p95, cpu = _measure(client, url, args.rounds)
            print(
                f"{name:<22} {queries:>7} {median:>8.1f} {p95:>8.1f} {cpu:>8.1f} "
                f"{median / base:>9.0f}"
            )
    connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
