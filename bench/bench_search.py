"""Benchmark of the post search (``apps/planning/search.py``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pa_planner_bench \
        .venv/bin/python bench/bench_search.py [--posts 50000] [--rounds 15]

Creates a throwaway test database (PostgreSQL when DATABASE_URL is set, which is what the
target is about; SQLite otherwise, with the icontains fallback) holding ``--posts`` posts with
one or two variants each and a comment on one post in five. Then, for a rare word, a common
word, two words, and a word found only in comments, it times what the search page does (count
the matches, load the first page of 20, build its highlighted passages) and the whole page
through the test client, next to a bare indexed lookup measured in the same run (the first
page of 20 posts of one day by the ``planned_at`` index). On PostgreSQL it also prints whether
the plan uses the GIN indexes. Target: under 200 ms on 50,000 posts. Not a test; the figures
are indicative of this machine.
"""

import argparse
import os
import random
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
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.roles import Role  # noqa: E402
from apps.channels.enums import ChannelKind  # noqa: E402
from apps.channels.models import Channel  # noqa: E402
from apps.planning.models import ContentCategory, Post, Variant  # noqa: E402
from apps.planning.search import search_page, search_posts, snippets  # noqa: E402
from apps.review.models import Comment  # noqa: E402
from apps.review.selectors import COMMENT_TEXT  # noqa: E402

START = datetime(2027, 1, 1, 8, 0, tzinfo=timezone.get_fixed_timezone(60))
WORDS = (
    "comune ufficio anagrafe servizi cittadini scadenza pagamento tributi rata avviso chiusura "
    "apertura orario sportello biblioteca scuola iscrizioni mensa trasporto strada lavori "
    "viabilità parcheggio mercato piazza festa sagra concerto teatro museo mostra giardino "
    "parco raccolta rifiuti differenziata ambiente energia acqua bando contributo domanda "
    "modulo online certificato identità elettorale consiglio giunta sindaco assessore "
    "settimana lunedì martedì mercoledì giovedì venerdì sabato domenica mattina pomeriggio"
).split()
SOURCES = (COMMENT_TEXT,)
QUERIES = {
    "rare word": "protocollo123",  # 1 post in 1,000
    "common word": "biblioteca",  # about 1 post in 4
    "two words": "scadenza pagamento",
    "comments only": "verificare",
}


def _fill(total: int, author, channels, categories) -> None:
    rng = random.Random(17)
    posts = []
    for n in range(total):
        words = rng.sample(WORDS, 14)
        text = " ".join(words) + f". Riferimento protocollo{n % 1000}."
        posts.append(
            Post(
                title=" ".join(rng.sample(WORDS, 4)).capitalize(),
                category=categories[n % len(categories)],
                planned_at=START + timedelta(minutes=37 * n),
                base_text=text,
                notes="" if n % 3 else "Chiedere conferma all'ufficio tecnico.",
                author=author,
                last_editor=author,
            )
        )
    created = Post.objects.bulk_create(posts, batch_size=2000)
    variants, comments = [], []
    for n, post in enumerate(created):
        for channel in channels[n % 3 : n % 3 + 1 + n % 2]:
            variants.append(Variant(post=post, channel=channel, text=post.base_text + " #comune"))
        if n % 5 == 0:
            comments.append(Comment(post=post, author=author, body="Da verificare l'orario."))
    Variant.objects.bulk_create(variants, batch_size=2000)
    Comment.objects.bulk_create(comments, batch_size=2000)
    if connection.vendor == "postgresql":
        # What autovacuum does on a live database: statistics, and the GIN indexes' pending
        # lists merged (a query otherwise reads them through on every search).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _timed(fn, rounds: int) -> tuple[float, float]:
    fn()  # warm-up
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[
        min(len(timings) - 1, round(0.95 * (len(timings) - 1)))
    ]


def _search_page(q: str):
    def run():
        page = search_page(q=q, sources=SOURCES, number=1, size=20)
        snippets(page.object_list, q=q, sources=SOURCES)
        return page.paginator.count

    return run


def _bare_lookup(day):
    def run():
        return list(
            Post.objects.filter(planned_at__gte=day, planned_at__lt=day + timedelta(days=1))
            .select_related("category", "author")
            .order_by("planned_at")[:20]
        )

    return run


def _plan_uses_gin(q: str) -> str:
    if connection.vendor != "postgresql":
        return "n/a (SQLite: icontains)"
    sql, params = search_posts(q=q, sources=SOURCES).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    used = [
        name
        for name in ("post_search_gin", "variant_search_gin", "comment_search_gin")
        if name in plan
    ]
    return ", ".join(used) or "NO GIN INDEX USED"


def _explain(q: str) -> None:
    posts = search_posts(q=q, sources=SOURCES)
    for label, qs in (("ids", posts.values_list("pk")),):
        sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + sql, params)
            print(f"--- {q} ({label})")
            print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each")
    args = parser.parse_args()

    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
            author = User.objects.create_user("bench", password="x")
            author.groups.add(Group.objects.get(name=Role.EDITOR.value))
            kinds = [ChannelKind.FACEBOOK, ChannelKind.TELEGRAM, ChannelKind.MASTODON]
            channels = [Channel.objects.create(name=f"Canale {k}", kind=k) for k in kinds]
            categories = list(ContentCategory.objects.all())
            started = time.perf_counter()
            _fill(args.posts, author, channels, categories)
            print(
                f"Database: {connection.vendor}; {Post.objects.count()} posts, "
                f"{Variant.objects.count()} variants, {Comment.objects.count()} comments "
                f"(filled in {time.perf_counter() - started:.0f} s); {args.rounds} rounds."
            )
            client = Client()
            client.force_login(author)
            day = START + timedelta(days=200)
            base, base_p95 = _timed(_bare_lookup(day), args.rounds)
            print(
                f"bare indexed lookup (20 posts of a day): median {base:.1f} ms, "
                f"p95 {base_p95:.1f} ms"
            )
            print(
                f"{'query':<14} {'matches':>8} {'search':>9} {'p95':>8} {'page':>9} {'p95':>8} "
                f"{'×bare':>6}  GIN"
            )
            for name, q in QUERIES.items():
                matches = _search_page(q)()
                median, p95 = _timed(_search_page(q), args.rounds)
                url = "/calendario/cerca/?q=" + q.replace(" ", "+")

                def page(url=url):
                    assert client.get(url).status_code == 200

                page_median, page_p95 = _timed(page, args.rounds)
                verdict = "ok" if page_p95 < 200 else "OVER 200 ms"
                if args.explain:
                    _explain(q)
                print(
                    f"{name:<14} {matches:>8} {median:>8.1f}  {p95:>7.1f} {page_median:>8.1f}  "
                    f"{page_p95:>7.1f} {median / base:>6.0f}  {_plan_uses_gin(q)} [{verdict}]"
                )
            print("search: count + first 20 + highlights; page: the whole search page (ms).")
    finally:
        connection.creation.destroy_test_db(settings.DATABASES["default"]["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
