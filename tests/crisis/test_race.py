"""The crisis stop is exact: no variant starts sending after the declaration commits.

Worker threads claim queued deliveries (send_delivery: gate + queued -> sending in one
transaction) while the main thread declares a crisis at a random moment. On PostgreSQL the
order comes from the CrisisState row (claims FOR SHARE, declaration FOR UPDATE); on SQLite
from the single writer (transactions BEGIN IMMEDIATE). Runs on both.
"""

import random
import threading
import time
from queue import Empty, Queue

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.crisis import services as crisis_services
from apps.crisis.models import CrisisState
from apps.planning.enums import PostStatus
from apps.publishing import services as publishing
from apps.publishing.adapters.base import Adapter, PublishResult
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from tests.factories import ChannelFactory, PostFactory, UserFactory

pytestmark = [pytest.mark.system, pytest.mark.django_db(transaction=True)]

VARIANTS = 40
WORKERS = 3
ROUNDS = 4


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


@pytest.mark.timeout(120)
def test_no_variant_starts_sending_after_the_declaration_commits(monkeypatch):
    adapter = RecordingAdapter()
    monkeypatch.setattr(publishing, "_get_adapter", lambda kind: adapter)
    # A transactional flush removes the role groups the data migration made.
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    approver = UserFactory(username="race_approver", role="Approvatori")
    channels = [ChannelFactory(name="Race A"), ChannelFactory(name="Race B")]
    CrisisState.objects.get_or_create(singleton=True)
    rng = random.Random(20001)
    held_total = 0

    for round_no in range(ROUNDS):
        adapter.arrivals.clear()
        ids = _queued_deliveries(channels)
        queue: Queue = Queue()
        for delivery_id in ids:
            queue.put(delivery_id)
        errors: list = []
        threads = [threading.Thread(target=_worker, args=(queue, errors)) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0, 0.05))
        crisis = crisis_services.declare_crisis(by=approver, reason=f"Prova {round_no}")
        committed_at = time.monotonic()
        for thread in threads:
            thread.join()
        assert errors == []

        snapshot = set(crisis.mid_send_delivery_ids)
        late = {pk for pk, at in adapter.arrivals.items() if at > committed_at}
        assert late <= snapshot, f"round {round_no}: started after the declaration: {late}"
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
    assert held_total > 0, "the declaration never landed during a burst: the test proved nothing"
