"""The crisis stop is exact: no variant starts sending after the declaration commits.

Worker threads claim queued deliveries (send_delivery: gate + queued -> sending in one
transaction) while the main thread declares a crisis at a random moment. On PostgreSQL the
order comes from the CrisisState row (claims FOR SHARE, declaration FOR UPDATE); on SQLite
from the single writer (transactions BEGIN IMMEDIATE). Runs on both.

Lean by default (one round of 60 variants; more: PA_PLANNER_CRISIS_RACE_ROUNDS), and able to
fail. The random burst alone rarely catches a missing lock: workers wait on the post rows the
declaration pauses, so few are between gate and claim when it commits. Hence two tests:
- the deterministic one holds a claim between the gate's read and its queued -> sending
  update and requires the declaration to wait for it;
- the burst makes each claim linger CLAIM_GAP_SECONDS there, widening the window.
How the "can fail" was verified (PostgreSQL, 2026-11-23, machine load ~9):

    PA_PLANNER_CRISIS_RACE_DROP_FOR_SHARE=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/x \
        .venv/bin/pytest tests/crisis/test_race.py -p no:cacheprovider

makes the claim read the state row without FOR SHARE (the bug these tests exist for). The
deterministic test then failed in 9 runs of 10 (the one pass: a 0.5 s wait, since raised to
1 s, on the loaded machine), the burst in 2 runs of 10; with the real gate both always pass.
"""

import os
import random
import threading
import time
from queue import Empty, Queue

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.crisis.models import CrisisState
from apps.crisis_response import services as crisis_services
from apps.planning.enums import PostStatus
from apps.publishing import sending
from apps.publishing import services as publishing
from apps.publishing.adapters.base import Adapter, PublishResult
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from tests.factories import ChannelFactory, PostFactory, UserFactory

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

VARIANTS = 60
WORKERS = 3
ROUNDS = int(os.environ.get("PA_PLANNER_CRISIS_RACE_ROUNDS", "1"))
CLAIM_GAP_SECONDS = 0.002


class RecordingAdapter(Adapter):
    """A channel server stand-in: remembers when each publish call arrived."""

    kind = "outbox"

    def __init__(self):
        self.arrivals: dict[int, float] = {}
        self.lock = threading.Lock()

    def publish(self, request):
        with self.lock:
            self.arrivals[request.delivery_id] = time.monotonic()
        time.sleep(0.002)
        return PublishResult(external_id=f"ext-{request.delivery_id}")


def _queued_deliveries(channels) -> list[int]:
    # Half are retries of partly failed posts: the declaration does not pause those, so only
    # the gate stands between them and the channel.
    posts = [
        PostFactory(
            status=PostStatus.PARTLY_FAILED if i % 2 else PostStatus.APPROVED,
            planned_at=timezone.now(),
            channels=[channels[i % len(channels)]],
        )
        for i in range(VARIANTS)
    ]
    for post in posts:
        publishing.schedule_deliveries(post=post)
    ids = publishing.claim_due(now=timezone.now(), limit=VARIANTS)
    assert len(ids) == VARIANTS
    return ids


def _worker(queue: Queue, errors: list):
    try:
        while True:
            try:
                delivery_id = queue.get_nowait()
            except Empty:
                return
            publishing.send_delivery(delivery_id=delivery_id)
    except Exception as exc:  # surfaced by the test
        errors.append(exc)
    finally:
        connection.close()


def _gate_with_a_gap(gate_class):
    """The real gate, then a pause inside the claim transaction: widens the race window."""

    class GateWithAGap(gate_class):
        def blocked_reason(self, variant):
            reason = super().blocked_reason(variant)
            time.sleep(CLAIM_GAP_SECONDS)
            return reason

    return GateWithAGap


def _state_read_without_for_share():
    """The bug the test must catch: the claim reads the crisis state without locking it."""
    from apps.crisis.models import Crisis

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT current_id FROM {CrisisState._meta.db_table} WHERE singleton")
        row = cursor.fetchone()
    return Crisis.objects.filter(pk=row[0], ended_at__isnull=True).first() if row[0] else None


@pytest.mark.timeout(120)
def test_no_variant_starts_sending_after_the_declaration_commits(monkeypatch, adapter_override):
    adapter = RecordingAdapter()
    adapter_override(adapter)
    monkeypatch.setattr(sending, "ClaimGate", _gate_with_a_gap(sending.ClaimGate))
    if os.environ.get("PA_PLANNER_CRISIS_RACE_DROP_FOR_SHARE"):  # see the module docstring
        from apps.crisis import gate

        monkeypatch.setattr(gate, "_current_crisis_for_claim", _state_read_without_for_share)
    approver = UserFactory(username="race_approver", role="Approvatori")
    channels = [ChannelFactory(name="Race A"), ChannelFactory(name="Race B")]
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    held_total = 0

    # A loaded machine can serialise the declaration behind the whole burst (SQLite's writer
    # lock is not fair): rounds go on, a few at most, until one declaration lands mid-burst.
    round_no = 0
    while round_no < ROUNDS or (held_total == 0 and round_no < ROUNDS + 4):
        round_no += 1
        adapter.arrivals.clear()
        ids = _queued_deliveries(channels)
        queue: Queue = Queue()
        for delivery_id in ids:
            queue.put(delivery_id)
        errors: list = []
        threads = [threading.Thread(target=_worker, args=(queue, errors)) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        # The burst lasts about VARIANTS / WORKERS * (gap + publish + queries) > 60 ms.
        time.sleep(rng.uniform(0.002, 0.03))
        crisis = crisis_services.declare_crisis(by=approver, reason=f"Prova {round_no}")
        committed_at = time.monotonic()
        for thread in threads:
            thread.join()
        assert errors == []

        snapshot = set(crisis.mid_send_delivery_ids)
        late = {pk for pk, at in adapter.arrivals.items() if at > committed_at}
        assert late <= snapshot, (
            f"round {round_no} (seed {seed}): started after the declaration: {late}"
        )
        states = dict(Delivery.objects.filter(pk__in=ids).values_list("pk", "state"))
        assert set(adapter.arrivals) == {pk for pk, s in states.items() if s == DeliveryState.SENT}
        # Held: paused posts' sends wait; retries of partly failed posts are stopped (failed).
        held = {
            pk for pk, s in states.items() if s in (DeliveryState.WAITING, DeliveryState.FAILED)
        }
        assert held | set(adapter.arrivals) == set(ids)
        assert not (held & snapshot)
        held_total += len(held)

        crisis_services.end_crisis(by=approver, note="Fine prova")
    assert held_total > 0, f"the declaration never landed during a burst (seed {seed})"


@pytest.mark.timeout(60)
def test_a_declaration_waits_for_a_claim_in_progress_and_lists_it_as_mid_send(
    monkeypatch, adapter_override
):
    """The ordering itself, deterministically: a claim holds still between the gate's read and
    its queued -> sending update; the declaration must wait for it, then list it as mid-send.
    Without FOR SHARE (PA_PLANNER_CRISIS_RACE_DROP_FOR_SHARE=1, PostgreSQL) the declaration
    commits at once and this fails on its first assertion."""
    adapter = RecordingAdapter()
    adapter_override(adapter)
    if os.environ.get("PA_PLANNER_CRISIS_RACE_DROP_FOR_SHARE"):
        from apps.crisis import gate

        monkeypatch.setattr(gate, "_current_crisis_for_claim", _state_read_without_for_share)
    approver = UserFactory(username="race_approver", role=Role.APPROVER)
    post = PostFactory(
        status=PostStatus.APPROVED, planned_at=timezone.now(), channels=[ChannelFactory()]
    )
    publishing.schedule_deliveries(post=post)
    (delivery_id,) = publishing.claim_due(now=timezone.now())
    in_gap, release = threading.Event(), threading.Event()

    class GateThenHold(sending.ClaimGate):
        def blocked_reason(self, variant):
            reason = super().blocked_reason(variant)
            in_gap.set()
            release.wait(timeout=20)
            return reason

    monkeypatch.setattr(sending, "ClaimGate", GateThenHold)
    declared: list = []
    errors: list = []

    def declare():
        try:
            declared.append(crisis_services.declare_crisis(by=approver, reason="In mezzo"))
            declared.append(time.monotonic())
        except Exception as exc:  # surfaced by the test
            errors.append(exc)
        finally:
            connection.close()

    claim = threading.Thread(target=_worker, args=(_one(delivery_id), errors))
    claim.start()
    assert in_gap.wait(timeout=20)
    declaration = threading.Thread(target=declare)
    declaration.start()
    declaration.join(timeout=1.0)  # a free declaration takes ~50 ms; this one must wait
    still_waiting = declaration.is_alive()
    release.set()
    claim.join(timeout=20)
    declaration.join(timeout=20)

    assert still_waiting, "the declaration did not wait for the claim in progress"
    assert errors == []
    assert set(adapter.arrivals) == {delivery_id}  # it had passed the gate: it goes out
    crisis, committed_at = declared
    if adapter.arrivals[delivery_id] > committed_at:  # still sending when the crisis began
        assert crisis.mid_send_delivery_ids == [delivery_id]


def _one(delivery_id: int) -> Queue:
    queue: Queue = Queue()
    queue.put(delivery_id)
    return queue
