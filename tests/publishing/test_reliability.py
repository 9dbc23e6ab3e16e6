"""Exactly once, never lost: the paths a review of the engine found uncovered (fake channel)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.publishing import sending, services
from apps.publishing.adapters.base import PermanentError, PublishResult, UnknownOutcome
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery, sweep_stuck

pytestmark = pytest.mark.django_db


def deliveries_of(post):
    return list(Delivery.objects.filter(variant__post=post).order_by("id"))


def set_status(post, status):
    post.status = status
    post.save(update_fields=["status"])


# --- Re-approval ----------------------------------------------------------------------------


def test_reapproval_moves_a_queued_delivery_to_the_new_time_and_its_old_message_sends_nothing(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()  # its message is on its way to a worker
    set_status(post, PostStatus.IN_REVIEW)  # edited: the time moves two hours ahead
    post.planned_at = timezone.now() + timedelta(hours=2)
    set_status(post, PostStatus.APPROVED)
    post.save(update_fields=["planned_at"])

    schedule_deliveries(post=post)
    outcome = send_delivery(delivery_id=delivery_id)  # the old message arrives

    delivery = deliveries_of(post)[0]
    assert (outcome.state, delivery.state, delivery.due_at) == (
        "skipped",
        D.WAITING,
        post.planned_at,
    )
    assert fake_adapter.published == []


@pytest.mark.parametrize("state", [D.SENDING, D.SENT, D.FAILED, D.NEEDS_CHECK])
def test_reapproval_never_resets_a_delivery_that_may_have_left(approved_post, state):
    post = approved_post(channels=1)
    Delivery.objects.filter(variant__post=post).update(state=state)
    post.planned_at = timezone.now() + timedelta(hours=1)
    post.save(update_fields=["planned_at"])

    schedule_deliveries(post=post)

    assert deliveries_of(post)[0].state == state
    assert claim_due(now=post.planned_at + timedelta(minutes=1)) == []


def test_a_post_sent_on_every_channel_while_back_in_review_is_published_on_reapproval(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()
    Delivery.objects.filter(pk=delivery_id).update(state=D.SENDING)
    set_status(post, PostStatus.IN_REVIEW)  # edited mid-send: the send still finishes
    delivery = Delivery.objects.select_related("variant").get(pk=delivery_id)
    services._record_sent(
        delivery, PublishResult(external_id="1", url="https://t.me/c/1"), title=""
    )
    post.refresh_from_db()
    assert post.status == PostStatus.IN_REVIEW

    set_status(post, PostStatus.APPROVED)
    schedule_deliveries(post=post)

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


# --- Cancelled posts ------------------------------------------------------------------------


def test_a_queued_delivery_of_a_cancelled_post_is_cancelled_not_left_waiting(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()
    set_status(post, PostStatus.CANCELLED)

    send_delivery(delivery_id=delivery_id)

    assert deliveries_of(post)[0].state == D.CANCELLED
    assert fake_adapter.published == []


def test_the_sweeper_cancels_a_stale_queued_delivery_of_a_cancelled_post(approved_post):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()
    Delivery.objects.filter(pk=delivery_id).update(queued_at=timezone.now() - timedelta(hours=1))
    set_status(post, PostStatus.CANCELLED)

    sweep_stuck()

    assert deliveries_of(post)[0].state == D.CANCELLED


# --- The sweeper never races a live worker --------------------------------------------------


@override_settings(PUBLISHING_SENDING_TIMEOUT=5, CELERY_TASK_TIME_LIMIT=90)
def test_the_sweeper_never_judges_a_send_dead_before_the_hard_time_limit(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()
    started = timezone.now() - timedelta(seconds=60)  # slow, but its worker is still alive
    Delivery.objects.filter(pk=delivery_id).update(state=D.SENDING, sending_started_at=started)

    assert sweep_stuck().needs_check == []
    assert deliveries_of(post)[0].state == D.SENDING
    assert sweep_stuck(now=started + timedelta(seconds=93)).needs_check == [delivery_id]


# --- "Riprova ora" and the post's status ----------------------------------------------------


def test_retry_now_while_a_send_is_in_flight_changes_nothing(approved_post, approver):
    post = approved_post(channels=1)
    seen = deliveries_of(post)[0]
    seen.state = D.FAILED  # what the page showed a moment ago
    Delivery.objects.filter(pk=seen.pk).update(state=D.SENDING)

    with pytest.raises(services.DeliveryActionError):
        services.retry_delivery(delivery=seen, by=approver)

    assert deliveries_of(post)[0].state == D.SENDING


def test_retrying_one_of_two_failed_channels_leaves_the_post_partly_failed(
    approved_post, fake_adapter, approver
):
    post = approved_post(channels=2)
    fake_adapter.outcomes = [PermanentError("Invalid access token", status=401)] * 2
    [send_delivery(delivery_id=pk) for pk in claim_due()]
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED

    services.retry_delivery(delivery=deliveries_of(post)[0], by=approver)

    post.refresh_from_db()
    assert post.status == PostStatus.PARTLY_FAILED


def test_partial_failure_then_a_successful_manual_retry_publishes_the_post(
    approved_post, fake_adapter, approver
):
    post = approved_post(channels=2)
    fake_adapter.outcomes = [PermanentError("Invalid access token", status=401)]
    [send_delivery(delivery_id=pk) for pk in claim_due()]
    post.refresh_from_db()
    assert post.status == PostStatus.PARTLY_FAILED

    services.retry_delivery(delivery=deliveries_of(post)[0], by=approver)
    [send_delivery(delivery_id=pk) for pk in claim_due()]

    post.refresh_from_db()
    assert [d.state for d in deliveries_of(post)] == [D.SENT, D.SENT]
    assert post.status == PostStatus.PUBLISHED
    assert len(fake_adapter.published) == 3


# --- What a service answers -----------------------------------------------------------------


def test_a_non_web_address_from_a_service_is_never_stored_as_the_public_link(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    fake_adapter.outcomes = [PublishResult(external_id="9", url="javascript:alert(1)")]

    [send_delivery(delivery_id=pk) for pk in claim_due()]

    delivery = deliveries_of(post)[0]
    assert (delivery.state, delivery.external_id, delivery.external_url) == (D.SENT, "9", "")


@pytest.mark.django_db(transaction=True)
def test_the_request_is_built_inside_the_claim_transaction(
    approved_post, fake_adapter, monkeypatch
):
    approved_post(channels=1)
    (delivery_id,) = claim_due()
    seen = []
    build = services.build_publish_request

    def spy(delivery):
        seen.append(connection.in_atomic_block)
        return build(delivery)

    monkeypatch.setattr(sending, "build_publish_request", spy)

    send_delivery(delivery_id=delivery_id)

    assert seen == [True]
    assert len(fake_adapter.published) == 1


def test_retry_now_after_an_interrupted_send_still_looks_the_item_up_first(
    approved_post, fake_adapter, approver
):
    post = approved_post(channels=1)
    fake_adapter.can_reconcile = True
    (delivery_id,) = claim_due()
    # Interrupted, queued again for a lookup, then a transient error: backing off.
    Delivery.objects.filter(pk=delivery_id).update(
        state=D.WAITING, needs_reconcile=True, attempts=2, last_error="HTTP 503: x"
    )
    fake_adapter.existing = PublishResult(external_id="77", url="https://t.me/comune/77")

    services.retry_delivery(delivery=deliveries_of(post)[0], by=approver)
    [send_delivery(delivery_id=pk) for pk in claim_due()]

    assert (deliveries_of(post)[0].state, fake_adapter.published) == (D.SENT, [])
    assert len(fake_adapter.lookups) == 1


def test_a_reconciling_channel_not_showing_a_lost_request_yet_is_looked_up_again_next_time(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    fake_adapter.can_reconcile = True
    fake_adapter.outcomes = [UnknownOutcome("read timeout")]
    [send_delivery(delivery_id=pk) for pk in claim_due()]  # looked up: not there yet
    fake_adapter.existing = PublishResult(external_id="5", url="https://m.example/5")

    later = timezone.now() + timedelta(minutes=5)  # past the backoff, within the tolerance
    [send_delivery(delivery_id=pk) for pk in claim_due(now=later)]

    delivery = deliveries_of(post)[0]
    assert (delivery.state, delivery.external_id, len(fake_adapter.published)) == (D.SENT, "5", 1)
