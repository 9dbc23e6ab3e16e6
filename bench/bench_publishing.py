"""Benchmark of the publishing engine.

    .venv/bin/python bench/bench_publishing.py [--n 500]          # in-process
    .venv/bin/python bench/bench_publishing.py --celery [--n 1000] [--workers 1]
        [--concurrency 8] [--pool threads] [--latency 0.2]   # real beat + the README's workers

Creates a throwaway test database (SQLite by default, PostgreSQL when DATABASE_URL is set),
schedules N approved one-channel posts due now on an "outbox" channel, then times
``claim_due`` and ``send_delivery`` for each, then ``send_deliveries`` in batches of
PUBLISHING_SEND_BATCH as the workers send them, and counts SQL queries. A run of 10 deliveries
in the same process is the baseline: per-delivery cost should stay flat as N grows.
With ``--celery`` the deliveries are due in the same instant and real processes (beat, one
``scheduling`` worker, ``--workers`` ``sends`` workers) send them to a local webhook receiver
that answers in ``--latency`` seconds (on ``CELERY_BROKER_URL`` when set): median and p99
lateness (the request reaching the receiver minus the planned time) and throughput, next to
as many no-op tasks on the same queue, both counted from the burst's start; then a single
post on the idle system, five times. Not a test; the figures are indicative of this machine.
"""

import argparse
import os
import signal
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

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.channels.models import Channel  # noqa: E402
from apps.planning.enums import PostStatus  # noqa: E402
from apps.planning.models import ContentCategory, Post, Variant  # noqa: E402
from apps.publishing import sending, services  # noqa: E402
from apps.publishing.adapters.base import Adapter, PublishResult  # noqa: E402
from apps.publishing.models import Delivery  # noqa: E402


class _RecordingAdapter(Adapter):
    """Stand-in used only if the outbox adapter is not available."""

    kind = "outbox"

    def publish(self, request):
        return PublishResult(external_id=f"outbox-{request.delivery_id}")


def _adapter_name() -> str:
    try:
        services._get_adapter("outbox")
        return "outbox (registry)"
    except Exception:
        sending._get_adapter = lambda kind: _RecordingAdapter()
        return "in-bench recording adapter (outbox adapter not importable)"


def _make_due(n: int, author, category, channel) -> None:
    _make_due_at(n, author, category, channel, timezone.now() - timedelta(seconds=1))


def _make_due_at(n: int, author, category, channel, now) -> None:
    posts = Post.objects.bulk_create(
        Post(
            title=f"Avviso {i}",
            category=category,
            planned_at=now,
            base_text="Avviso alla cittadinanza.",
            status=PostStatus.APPROVED,
            author=author,
        )
        for i in range(n)
    )
    variants = Variant.objects.bulk_create(
        Variant(post=post, channel=channel, text=post.base_text) for post in posts
    )
    Delivery.objects.bulk_create(Delivery(variant=v, due_at=now) for v in variants)


class _QueryCounter:
    """Counts every SQL statement (CaptureQueriesContext keeps only the last 9,000)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __len__(self):
        return self.count

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def _run(n: int, author, category, channel) -> dict:
    Delivery.objects.all().delete()
    Post.objects.all().delete()
    _make_due(n, author, category, channel)
    with _QueryCounter() as claim_queries:
        started = time.perf_counter()
        claimed = services.claim_due(limit=n)
        claim_seconds = time.perf_counter() - started
    assert len(claimed) == n, (len(claimed), n)
    send_times = []
    with _QueryCounter() as send_queries:
        for delivery_id in claimed:
            started = time.perf_counter()
            outcome = services.send_delivery(delivery_id=delivery_id)
            send_times.append(time.perf_counter() - started)
            assert outcome.state == "sent", outcome
    sent = Delivery.objects.filter(state="sent").count()
    published = Post.objects.filter(status=PostStatus.PUBLISHED).count()
    assert sent == n and published == n, (sent, published)
    # The same deliveries again, sent as the workers send them: PUBLISHING_SEND_BATCH at once.
    Delivery.objects.all().delete()
    Post.objects.all().delete()
    _make_due(n, author, category, channel)
    claimed = services.claim_due(limit=n)
    size = settings.PUBLISHING_SEND_BATCH
    with _QueryCounter() as batch_queries:
        started = time.perf_counter()
        for start in range(0, n, size):
            outcomes = services.send_deliveries(delivery_ids=claimed[start : start + size])
            assert {outcome.state for outcome in outcomes} == {"sent"}, outcomes
        batch_seconds = time.perf_counter() - started
    assert Post.objects.filter(status=PostStatus.PUBLISHED).count() == n
    return {
        "batch_ms_per": batch_seconds * 1000 / n,
        "batch_q_per": len(batch_queries) / n,
        "n": n,
        "claim_ms_per": claim_seconds * 1000 / n,
        "claim_q_per": len(claim_queries) / n,
        "send_ms_median": statistics.median(send_times) * 1000,
        "send_ms_p99": sorted(send_times)[max(0, int(len(send_times) * 0.99) - 1)] * 1000,
        "send_q_per": len(send_queries) / n,
        "throughput": n / (claim_seconds + sum(send_times)),
    }


def _print_table(title: str, rows: list[tuple[str, float, float]]) -> None:
    print(title)
    print(f"{'':<26}{'baseline':>12}{'run':>12}{'ratio':>8}")
    for label, b, r in rows:
        ratio = f"{r / b:.2f}" if b else ""
        print(f"{label:<26}{b:>12.2f}{r:>12.2f}{ratio:>8}")


def in_process(n: int) -> None:
    adapter = _adapter_name()
    author = User.objects.create(username="bench")
    category, _ = ContentCategory.objects.get_or_create(
        slug="informativo", defaults={"name": "Informativo"}
    )
    channel = Channel.objects.create(name="Outbox", kind="outbox")
    baseline = _run(10, author, category, channel)
    result = _run(n, author, category, channel)
    _print_table(
        f"In-process claim + send, {connection.vendor}, adapter: {adapter}; "
        f"baseline = 10 deliveries, run = {n}",
        [
            (label, baseline[key], result[key])
            for key, label in (
                ("claim_ms_per", "claim ms/delivery"),
                ("claim_q_per", "claim queries/delivery"),
                ("send_ms_median", "send ms median"),
                ("send_ms_p99", "send ms p99"),
                ("send_q_per", "send queries/delivery"),
                ("throughput", "deliveries/s"),
                ("batch_ms_per", "batched send ms/delivery"),
                ("batch_q_per", "batched queries/delivery"),
            )
        ],
    )


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _noop_delays(stack) -> list[float]:
    """The no-op delays in this run's logs only: a reused PA_PLANNER_VAR_DIR keeps earlier
    runs' lines (the logs are appended to), which once passed for this run's baseline."""
    delays = []
    for name in stack.logs:
        if name == "beat":
            continue
        for line in stack.current_log(name).splitlines():
            if "publishing.noop[" in line and " succeeded in " in line:
                delays.append(float(line.rsplit(":", 1)[1]))
    return delays


def _slow_webhook(latency: float):
    """The webhook receiver of the tests, answering after ``latency`` seconds (a realistic
    API), noting when each delivery's first request arrived: lateness is measured there."""
    from tests.channel_servers.webhook import WebhookServer

    class SlowWebhook(WebhookServer):
        def __init__(self, **kwargs):
            self.received: dict[str, float] = {}
            super().__init__(**kwargs)

        def _safe_handle(self, request):
            key = request.header("idempotency-key") or ""
            self.received.setdefault(key, time.time())
            time.sleep(latency)  # outside the server's lock: requests overlap as on a real API
            return super()._safe_handle(request)

    return SlowWebhook()


def _webhook_channel(server) -> Channel:
    from apps.publishing.models import ChannelCredential

    channel = Channel.objects.create(name="Webhook", kind="webhook", config=server.config)
    ChannelCredential.objects.create(channel=channel, secret=server.token)
    return channel


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(stack) -> dict[str, float]:
    """CPU seconds used so far by each kind of process on the machine: the Celery processes
    by their name (each is its own process group), this process (the channel's server and
    the bench's polling), the database and the broker. Read from /proc."""
    groups = {process.pid: name.rstrip("0123456789") for name, process in stack.processes.items()}
    totals: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        pgrp, utime, stime = int(fields[2]), int(fields[11]), int(fields[12])
        if int(entry.name) == os.getpid():
            kind = "bench process (channel server)"
        elif pgrp in groups:
            kind = f"celery {groups[pgrp]}"
        elif comm == "postgres":
            kind = "postgresql"
        elif comm.startswith("redis"):
            kind = "redis"
        elif comm in ("beam.smp", "erl_child_setup"):
            kind = "rabbitmq"
        else:
            continue
        totals[kind] = totals.get(kind, 0.0) + (utime + stime) / _TICKS
    return totals


def _cpu_per_item(before: dict, after: dict, n: int) -> dict[str, float]:
    """Milliseconds of CPU per item, by kind of process, between two readings."""
    return {
        kind: (after[kind] - before.get(kind, 0.0)) * 1000 / n
        for kind in sorted(after)
        if after[kind] - before.get(kind, 0.0) > 0
    }


def _phases(server) -> list[tuple[str, list[float]]]:
    """Where the burst's lateness went: planned time -> claimed by beat's tick (queued),
    queued -> a sends worker's claim (sending), sending -> the request reaching the channel,
    the request -> recorded as sent (the channel's answer time included)."""
    rows = [
        (due.timestamp(), queued.timestamp(), start.timestamp(), server.received[str(key)], sent)
        for key, due, queued, start, sent in Delivery.objects.values_list(
            "idempotency_key", "due_at", "queued_at", "sending_started_at", "sent_at"
        )
    ]
    return [
        ("due -> queued s", [queued - due for due, queued, *_rest in rows]),
        ("queued -> sending s", [start - queued for _d, queued, start, *_rest in rows]),
        ("sending -> request s", [asked - start for *_first, start, asked, _sent in rows]),
        ("request -> sent s", [sent.timestamp() - asked for *_first, asked, sent in rows]),
    ]


def _lateness(server, rows) -> list[float]:
    """Seconds from each delivery's planned time to its request reaching the channel."""
    return [server.received[str(key)] - due.timestamp() for key, due in rows]


def with_celery(
    n: int, sends_workers: int, concurrency: int, latency: float, pool: str = "threads"
) -> None:
    """N deliveries due in the same instant, real beat + the README's workers (one for
    ``scheduling``, ``sends_workers`` for ``sends``) on the configured broker."""
    from django.conf import settings as django_settings

    from apps.publishing.tasks import noop
    from tests.system.harness import CeleryStack, wait_for

    author = User.objects.create(username="bench")
    category, _ = ContentCategory.objects.get_or_create(
        slug="informativo", defaults={"name": "Informativo"}
    )
    server = _slow_webhook(latency)
    channel = _webhook_channel(server)
    stack = CeleryStack(
        Path(os.environ["PA_PLANNER_VAR_DIR"]),
        extra_env={
            "DJANGO_LOG_LEVEL": "WARNING",
            "PA_PLANNER_DISPATCH_INTERVAL": str(django_settings.PUBLISHING_DISPATCH_INTERVAL),
            "PA_PLANNER_SWEEP_INTERVAL": "10",
        },
    )
    [sends_queue] = stack.queue_names(("sends",))
    stack.start_worker("scheduling", queues=("scheduling",), args=("--concurrency=2",))
    for number in range(sends_workers):
        stack.start_worker(
            f"sends{number + 1}",
            queues=("sends", "default"),
            args=(f"--pool={pool}", f"--concurrency={concurrency}"),
        )
    try:
        stack.wait_until_ready(timeout=120)
        # Baseline: N no-op tasks on the sends queue, each delay counted from the burst's start
        # (the enqueue loop included), like the deliveries from their planned time.
        cpu_before_noop = _cpu_seconds(stack)
        burst_start = time.time()
        for _ in range(n):
            noop.apply_async(kwargs={"enqueued_at": burst_start}, queue=sends_queue)
        wait_for(lambda: len(_noop_delays(stack)) >= n, timeout=600, what="no-op tasks")
        noop_delays = _noop_delays(stack)
        noop_cpu = _cpu_per_item(cpu_before_noop, _cpu_seconds(stack), n)
        stack.start_beat()
        due_at = timezone.now() + timedelta(seconds=5)
        _make_due_at(n, author, category, channel, due_at)
        time.sleep(max(0.0, due_at.timestamp() - time.time() - 0.5))
        cpu_before_sends = _cpu_seconds(stack)
        wait_for(
            lambda: Delivery.objects.filter(state="sent").count() >= n,
            timeout=900,
            interval=0.5,
            what="deliveries sent",
        )
        sends_cpu = _cpu_per_item(cpu_before_sends, _cpu_seconds(stack), n)
        burst = list(Delivery.objects.values_list("idempotency_key", "due_at"))
        phases = _phases(server)
        # A single post on the idle system, five times, at a random phase of beat's ticks.
        singles = []
        for _round in range(5):
            Delivery.objects.all().delete()
            time.sleep(1.3)
            due = timezone.now() + timedelta(seconds=2)
            _make_due_at(1, author, category, channel, due)
            wait_for(
                lambda: Delivery.objects.filter(state="sent").exists(),
                timeout=60,
                interval=0.1,
                what="a single post sent",
            )
            singles += list(Delivery.objects.values_list("idempotency_key", "due_at"))
    finally:
        stack.stop()
        server.stop()
    lateness = _lateness(server, burst)
    single = _lateness(server, singles)
    span = max(lateness)
    noop_span = max(noop_delays)
    print(
        f"Celery, {connection.vendor}, broker {stack.env.get('CELERY_BROKER_URL', 'filesystem://')};"
        f" workers: 1 scheduling (--concurrency=2), {sends_workers} sends"
        f" (--pool={pool} --concurrency={concurrency}); channel answers in {latency:g} s;"
        f" beat every {django_settings.PUBLISHING_DISPATCH_INTERVAL:g} s"
    )
    print(
        f"baseline = {n} no-op tasks sent at once, run = {n} deliveries due in the same instant;"
        " both timed from the burst's start, deliveries when the channel receives them"
    )
    print(f"{'':<26}{'no-op':>12}{'delivery':>12}{'ratio':>8}")
    for label, b, r in (
        ("median lateness s", statistics.median(noop_delays), statistics.median(lateness)),
        ("p99 lateness s", _percentile(noop_delays, 99), _percentile(lateness, 99)),
        ("throughput /s", n / noop_span, n / span),
    ):
        print(f"{label:<26}{b:>12.3f}{r:>12.3f}{(r / b if b else 0):>8.2f}")
    print(f"{'where the lateness went':<26}{'median':>12}{'p99':>12}")
    for label, values in phases:
        print(f"  {label:<24}{statistics.median(values):>12.3f}{_percentile(values, 99):>12.3f}")
    print("CPU ms per item, by process (the no-op's run has no beat)")
    for kind in sorted(set(noop_cpu) | set(sends_cpu)):
        print(f"  {kind:<34}{noop_cpu.get(kind, 0.0):>8.2f}{sends_cpu.get(kind, 0.0):>12.2f}")
    print(f"  {'total':<34}{sum(noop_cpu.values()):>8.2f}{sum(sends_cpu.values()):>12.2f}")
    print(
        f"single post on an idle system (5 runs): median {statistics.median(single):.2f} s,"
        f" max {max(single):.2f} s"
    )


def main() -> None:
    # A SIGTERM (e.g. from `timeout`) still stops the Celery processes in `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=None, help="deliveries (500; 1000 with --celery)")
    parser.add_argument("--celery", action="store_true", help="real beat and workers")
    parser.add_argument("--workers", type=int, default=1, help="sends workers (--celery)")
    parser.add_argument("--concurrency", type=int, default=8, help="slots per sends worker")
    parser.add_argument(
        "--pool", default="threads", help="the sends workers' pool (threads, as the README)"
    )
    parser.add_argument(
        "--latency", type=float, default=0.2, help="seconds the channel takes to answer"
    )
    args = parser.parse_args()
    old_name = connection.settings_dict["NAME"]
    if args.celery and connection.vendor == "sqlite":
        # Worker processes must open the same database: a file, not memory.
        connection.settings_dict["TEST"]["NAME"] = str(
            Path(os.environ["PA_PLANNER_VAR_DIR"]) / "bench.sqlite3"
        )
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        if args.celery:
            with_celery(args.n or 1000, args.workers, args.concurrency, args.latency, args.pool)
        else:
            in_process(args.n or 500)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
