"""A lost wake-up costs seconds, not minutes; a database restart costs no send (fake channel)."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.core.models import Heartbeat
from apps.publishing import sending, services, tasks, transitions
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import LOST_WAKEUP_SECONDS, claim_due, send_delivery, sweep_stuck

pytestmark = pytest.mark.django_db


@pytest.fixture
def sends_worker(db):
    now = timezone.now()
    return Heartbeat.objects.create(
        name="sends@host", role="worker", queues="sends", started_at=now, seen_at=now
    )


@pytest.fixture
def no_sleep(monkeypatch):
    """The database "comes back" at once; the pauses the engine asked for are recorded."""
    pauses = []
    monkeypatch.setattr(sending.time, "sleep", pauses.append)
    return pauses


def queued_at(delivery_id):
    return Delivery.objects.get(pk=delivery_id).queued_at


# --- Lost wake-ups --------------------------------------------------------------------------


def test_a_lost_wake_up_on_a_quiet_queue_is_sent_again_within_seconds(approved_post, sends_worker):
    approved_post(channels=1)
    (delivery_id,) = claim_due()  # its broker message is lost
    later = timezone.now() + timedelta(seconds=LOST_WAKEUP_SECONDS + 1)

    result = sweep_stuck(now=later)

    assert result.rewoken == [delivery_id]
    assert result.requeued == []
    delivery = Delivery.objects.get(pk=delivery_id)
    # Still claimed: the second wake-up finds it queued; the first, if it ever comes, is a no-op.
    assert (delivery.state, delivery.queued_at) == (D.QUEUED, later)
    assert AuditEntry.objects.filter(action="delivery.rewoken").count() == 1


def test_a_wake_up_just_sent_is_left_alone(approved_post, sends_worker):
    approved_post(channels=1)
    claim_due()

    assert (
        sweep_stuck(now=timezone.now() + timedelta(seconds=LOST_WAKEUP_SECONDS - 2)).rewoken == []
    )


def test_no_second_wake_up_piles_up_while_no_worker_takes_sends(approved_post):
    approved_post(channels=1)
    claim_due()

    later = timezone.now() + timedelta(seconds=LOST_WAKEUP_SECONDS + 1)
    assert sweep_stuck(now=later).rewoken == []


def test_a_row_waiting_its_turn_behind_a_moving_queue_is_not_woken_again(
    approved_post, sends_worker
):
    approved_post(channels=2)
    first, second = claim_due()  # same tick: the second waits behind the first
    now = timezone.now()
    later = now + timedelta(seconds=LOST_WAKEUP_SECONDS + 1)
    # A worker took the first one's wake-up a moment ago: the queue moves.
    Delivery.objects.filter(pk=first).update(
        state=D.SENDING, sending_started_at=later - timedelta(seconds=2)
    )

    assert sweep_stuck(now=later).rewoken == []


def test_a_wake_up_passed_by_a_later_one_is_sent_again(approved_post, sends_worker):
    approved_post(channels=1)
    (lost,) = claim_due()
    start = timezone.now()
    later_post = approved_post(channels=1)
    (taken,) = claim_due(now=start + timedelta(seconds=2))
    # The later wake-up was taken 6 s ago and its send is still running: the queue is first in,
    # first out, so the earlier one is gone. (Nothing is quiet: the idle rule would not fire.)
    now = start + timedelta(seconds=10)
    Delivery.objects.filter(pk=taken).update(
        state=D.SENDING, sending_started_at=now - timedelta(seconds=6)
    )

    result = sweep_stuck(now=now)

    assert result.rewoken == [lost]
    assert later_post is not None and queued_at(lost) == now


def test_the_sweep_task_sends_the_second_wake_up_after_commit(
    approved_post, sends_worker, monkeypatch, django_capture_on_commit_callbacks
):
    approved_post(channels=1)
    (delivery_id,) = claim_due()
    woken = []
    monkeypatch.setattr(tasks.send_batch, "delay", lambda **kwargs: woken.append(kwargs))
    later = timezone.now() + timedelta(seconds=LOST_WAKEUP_SECONDS + 1)
    monkeypatch.setattr(sending.timezone, "now", lambda: later)

    with django_capture_on_commit_callbacks(execute=True):
        counts = tasks.sweep_stuck()

    assert counts["rewoken"] == 1
    assert woken == [{"delivery_ids": [delivery_id]}]


def test_both_wake_ups_of_a_row_send_it_once(approved_post, sends_worker, fake_adapter):
    approved_post(channels=1)
    (delivery_id,) = claim_due()
    sweep_stuck(now=timezone.now() + timedelta(seconds=LOST_WAKEUP_SECONDS + 1))

    first, second = send_delivery(delivery_id=delivery_id), send_delivery(delivery_id=delivery_id)

    assert (first.state, second.state) == (D.SENT, "skipped")
    assert len(fake_adapter.published) == 1


# --- A database restart ---------------------------------------------------------------------


def fail_first(monkeypatch, target, name, *, times=1, when=lambda *a, **k: True):
    """``target.name`` raises OperationalError on its first ``times`` matching calls."""
    original = getattr(target, name)
    left = [times]

    def flaky(*args, **kwargs):
        if left[0] and when(*args, **kwargs):
            left[0] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, flaky)


def test_a_send_whose_outcome_meets_a_database_restart_is_recorded_when_it_is_back(
    approved_post, fake_adapter, no_sleep, monkeypatch
):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()
    # The request went out; writing "sent" fails twice while the database restarts.
    fail_first(
        monkeypatch,
        transitions,
        "record_many",
        times=2,
        when=lambda entries: entries[0].action == "delivery.sent",
    )

    outcome = send_delivery(delivery_id=delivery_id)

    assert outcome.state == D.SENT
    assert len(fake_adapter.published) == 1  # recorded again, never sent again
    assert Delivery.objects.get(pk=delivery_id).state == D.SENT
    assert len(no_sleep) == 2 and no_sleep[1] > no_sleep[0]  # backoff
    post.refresh_from_db()
    assert post.status == "published"


def test_a_send_whose_claim_meets_a_database_restart_is_retried_by_its_task(
    approved_post, fake_adapter, no_sleep, monkeypatch
):
    approved_post(channels=1)
    (delivery_id,) = claim_due()
    fail_first(monkeypatch, sending, "ClaimGate")  # the claim's first query

    assert tasks.send_delivery(delivery_id=delivery_id) == D.SENT
    assert len(fake_adapter.published) == 1
    assert len(no_sleep) == 1


def test_a_database_that_stays_away_leaves_the_row_queued_for_the_sweeper(
    approved_post, fake_adapter, no_sleep, monkeypatch
):
    approved_post(channels=1)
    (delivery_id,) = claim_due()
    fail_first(monkeypatch, sending, "ClaimGate", times=100)

    with pytest.raises(OperationalError):
        tasks.send_delivery(delivery_id=delivery_id)

    assert len(no_sleep) == len(services.DATABASE_RETRY_DELAYS)
    assert fake_adapter.published == []
    assert Delivery.objects.get(pk=delivery_id).state == D.QUEUED


@pytest.mark.django_db(transaction=True)
def test_a_worker_drops_a_broken_reused_connection_before_its_next_task(monkeypatch):
    from django.db import connection

    from pa_planner.celery import _drop_broken_connection

    connection.ensure_connection()
    connection.errors_occurred = True  # the last query met a database restart
    monkeypatch.setattr(connection, "is_usable", lambda: False)

    _drop_broken_connection(task=tasks.send_delivery)

    assert connection.connection is None  # the next query opens a fresh one


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_a_healthy_reused_connection(monkeypatch):
    from django.db import connection

    from pa_planner.celery import _drop_broken_connection

    connection.ensure_connection()
    raw = connection.connection

    _drop_broken_connection(task=tasks.send_delivery)

    assert connection.connection is raw
