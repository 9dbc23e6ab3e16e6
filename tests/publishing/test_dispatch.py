"""The dispatch engine, specified: claim, send, retry, reconcile, sweep (fake channel)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.crisis.models import BlackoutKind
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.publishing import sending, services, tasks
from apps.publishing.adapters.base import (
    PermanentError,
    PublishResult,
    TransientError,
    UnknownOutcome,
)
from apps.publishing.enums import DeliveryState as D
from apps.publishing.following import sync_post_statuses
from apps.publishing.models import ChannelCredential, Delivery
from apps.publishing.services import claim_due, send_delivery, sweep_stuck
from tests.crisis.factories import BlackoutFactory

pytestmark = pytest.mark.django_db


def deliveries_of(post):
    return list(Delivery.objects.filter(variant__post=post).order_by("id"))


def claim_and_send_all():
    return [send_delivery(delivery_id=pk) for pk in claim_due()]


# --- schedule_deliveries --------------------------------------------------------------------


def test_approval_schedules_one_waiting_delivery_per_variant_due_at_the_planned_time(
    approved_post,
):
    post = approved_post(channels=3)

    assert [(d.state, d.due_at) for d in deliveries_of(post)] == [(D.WAITING, post.planned_at)] * 3


def test_reapproval_moves_unsent_deliveries_to_the_new_time_and_keeps_sent_ones(approved_post):
    post = approved_post(channels=2)
    first, second = deliveries_of(post)
    Delivery.objects.filter(pk=first.pk).update(state=D.SENT)
    post.planned_at = timezone.now() + timedelta(hours=3)
    post.save(update_fields=["planned_at"])

    services.schedule_deliveries(post=post)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state, second.due_at) == (D.SENT, D.WAITING, post.planned_at)


# --- claim_due ------------------------------------------------------------------------------


def test_claim_due_queues_due_deliveries_of_approved_posts_and_audits_it(approved_post):
    post = approved_post(channels=2)

    claimed = claim_due()

    assert sorted(claimed) == [d.pk for d in deliveries_of(post)]
    assert {d.state for d in deliveries_of(post)} == {D.QUEUED}
    assert AuditEntry.objects.filter(action="delivery.queued", post_id=post.pk).count() == 2


def test_claim_due_never_claims_the_same_delivery_twice(approved_post):
    approved_post(channels=2)

    first = claim_due()
    second = claim_due()

    assert (len(first), second) == (2, [])


def test_claim_due_leaves_deliveries_not_yet_due(approved_post):
    post = approved_post(planned_at=timezone.now() + timedelta(minutes=5))

    assert claim_due() == []
    assert {d.state for d in deliveries_of(post)} == {D.WAITING}


@pytest.mark.parametrize(
    "status", [PostStatus.IN_REVIEW, PostStatus.PAUSED, PostStatus.DRAFT, PostStatus.CANCELLED]
)
def test_claim_due_ignores_posts_that_are_not_approved(approved_post, status):
    approved_post(status=status)

    assert claim_due() == []


def test_claim_due_takes_retries_of_a_partly_failed_post(approved_post):
    post = approved_post(channels=1, status=PostStatus.PARTLY_FAILED)

    assert claim_due() == [deliveries_of(post)[0].pk]


def test_claim_due_waits_for_the_backoff_of_a_retry(approved_post):
    post = approved_post(channels=1)
    Delivery.objects.filter(variant__post=post).update(
        next_attempt_at=timezone.now() + timedelta(seconds=30)
    )

    assert claim_due() == []
    assert claim_due(now=timezone.now() + timedelta(seconds=31)) == [deliveries_of(post)[0].pk]


def test_claim_due_leaves_waiting_what_the_gate_blocks_and_says_why(approved_post):
    # Due a minute ago, before the blackout began: blocked now, not (yet) held for a person.
    now = timezone.now()
    post = approved_post(channels=1, planned_at=now - timedelta(minutes=1))
    BlackoutFactory(
        kind=BlackoutKind.MOURNING, reason="Allerta meteo", starts_at=now - timedelta(seconds=30)
    )

    assert claim_due(now=now) == []
    delivery = deliveries_of(post)[0]
    assert (delivery.state, delivery.last_error) == (
        D.WAITING,
        "Periodo di silenzio (Lutto cittadino): Allerta meteo",
    )


def test_claim_due_takes_at_most_the_batch_size_oldest_first(approved_post):
    older = approved_post(channels=1, planned_at=timezone.now() - timedelta(minutes=10))
    approved_post(channels=1)

    assert claim_due(limit=1) == [deliveries_of(older)[0].pk]


# --- send_delivery: success -----------------------------------------------------------------


def test_send_delivery_publishes_records_the_link_and_the_post_becomes_published(
    approved_post, fake_adapter
):
    post = approved_post(channels=2)

    outcomes = claim_and_send_all()

    assert [o.state for o in outcomes] == [D.SENT, D.SENT]
    first, second = deliveries_of(post)
    assert (first.state, first.attempts, first.external_id, first.external_url) == (
        D.SENT,
        1,
        f"ext-{first.pk}",
        f"https://social.example.it/p/{first.pk}",
    )
    assert first.sent_at is not None
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    actions = list(
        AuditEntry.objects.filter(object_id=str(first.pk), object_type="publishing.delivery")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["delivery.queued", "delivery.sending", "delivery.sent"]


def test_the_post_stays_approved_while_one_channel_is_still_to_send(approved_post, fake_adapter):
    post = approved_post(channels=2)
    first, _second = claim_due()

    send_delivery(delivery_id=first)

    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED


def test_send_delivery_hands_the_adapter_the_variant_text_config_secret_and_stable_key(
    approved_post, fake_adapter
):
    post = approved_post(channels=1, link="https://www.comune.esempio.it/tari")
    delivery = deliveries_of(post)[0]
    variant = delivery.variant
    variant.text = "TARI 2026: la prima rata scade il 16 maggio. #TariInforma"
    variant.public_title = "TARI, la prima rata scade il 16 maggio"
    variant.save()
    variant.channel.config = {"base_url": "https://social.comune.esempio.it"}
    variant.channel.save()
    ChannelCredential.objects.create(channel=variant.channel, secret="token-segreto-1234")

    claim_and_send_all()

    (request,) = fake_adapter.published
    assert request.text == "TARI 2026: la prima rata scade il 16 maggio. #TariInforma"
    assert request.idempotency_key == str(delivery.idempotency_key)
    assert request.config == {"base_url": "https://social.comune.esempio.it"}
    assert request.secret == "token-segreto-1234"
    assert (request.title, request.link) == (
        "TARI, la prima rata scade il 16 maggio",
        "https://www.comune.esempio.it/tari",
    )
    assert Delivery.objects.get(pk=delivery.pk).sent_title == request.title


def test_a_repeated_send_message_does_not_publish_twice(approved_post, fake_adapter):
    approved_post(channels=1)
    (delivery_id,) = claim_due()

    first = send_delivery(delivery_id=delivery_id)
    second = send_delivery(delivery_id=delivery_id)

    assert (first.state, second.state, len(fake_adapter.published)) == (D.SENT, "skipped", 1)


def test_send_delivery_ignores_a_delivery_that_is_not_queued_or_vanished(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    waiting = deliveries_of(post)[0]

    assert send_delivery(delivery_id=waiting.pk).state == "skipped"
    assert send_delivery(delivery_id=999_999).state == "skipped"
    assert fake_adapter.published == []


def test_send_delivery_holds_back_what_a_crisis_blocks_at_the_last_moment(
    approved_post, fake_adapter, monkeypatch
):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()

    class MourningGate(sending.ClaimGate):
        def blocked_reason(self, variant):
            return "Lutto cittadino"

    monkeypatch.setattr(sending, "ClaimGate", MourningGate)

    outcome = send_delivery(delivery_id=delivery_id)

    delivery = deliveries_of(post)[0]
    assert (outcome.state, delivery.state, delivery.last_error) == (
        D.WAITING,
        D.WAITING,
        "Lutto cittadino",
    )
    assert fake_adapter.published == []


def test_send_delivery_holds_back_a_post_sent_back_to_review_after_the_claim(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()
    post.status = PostStatus.IN_REVIEW
    post.save(update_fields=["status"])

    send_delivery(delivery_id=delivery_id)

    assert deliveries_of(post)[0].state == D.WAITING
    assert fake_adapter.published == []


# --- send_delivery: errors ------------------------------------------------------------------


def test_a_transient_error_schedules_a_retry_no_sooner_than_retry_after(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    fake_adapter.outcomes = [TransientError("Too Many Requests", status=429, retry_after=600)]
    before = timezone.now()

    (outcome,) = claim_and_send_all()

    delivery = deliveries_of(post)[0]
    assert (outcome.state, delivery.state, delivery.attempts) == (D.WAITING, D.WAITING, 1)
    assert delivery.next_attempt_at >= before + timedelta(seconds=600)
    assert delivery.last_error == "HTTP 429: Too Many Requests"
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED


def test_after_a_transient_error_the_retry_publishes_once(approved_post, fake_adapter):
    post = approved_post(channels=1)
    fake_adapter.outcomes = [TransientError("Bad Gateway", status=502)]
    claim_and_send_all()

    later = timezone.now() + timedelta(minutes=5)  # past the backoff, within the tolerance
    (delivery_id,) = claim_due(now=later)
    send_delivery(delivery_id=delivery_id)

    delivery = deliveries_of(post)[0]
    assert (delivery.state, delivery.attempts, len(fake_adapter.published)) == (D.SENT, 2, 2)
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    with override_settings(PUBLISHING_RETRY_BASE_SECONDS=30, PUBLISHING_RETRY_MAX_SECONDS=600):
        delays = [services.retry_delay(attempts=n) for n in (1, 2, 3, 10)]
    assert 24 <= delays[0] <= 36
    assert 48 <= delays[1] <= 72
    assert 96 <= delays[2] <= 144
    assert 480 <= delays[3] <= 720


@override_settings(PUBLISHING_MAX_ATTEMPTS=1)
def test_transient_errors_past_the_last_attempt_fail_and_notify(
    approved_post, fake_adapter, django_capture_on_commit_callbacks
):
    post = approved_post(channels=1)
    fake_adapter.outcomes = [TransientError("Service Unavailable", status=503)]

    with django_capture_on_commit_callbacks(execute=True):
        (outcome,) = claim_and_send_all()

    assert outcome.state == D.FAILED
    assert "tentativi esauriti" in deliveries_of(post)[0].last_error
    post.refresh_from_db()
    assert post.status == PostStatus.FAILED
    assert len(mail.outbox) == 1
    assert post.author.email in mail.outbox[0].to


def test_a_permanent_error_fails_at_once_and_the_post_is_partly_failed(
    approved_post, fake_adapter, approver, django_capture_on_commit_callbacks
):
    post = approved_post(channels=2)
    fake_adapter.outcomes = [PermanentError("Invalid access token", status=401)]

    with django_capture_on_commit_callbacks(execute=True):
        outcomes = claim_and_send_all()

    assert [o.state for o in outcomes] == [D.FAILED, D.SENT]
    assert deliveries_of(post)[0].last_error == "HTTP 401: Invalid access token"
    post.refresh_from_db()
    assert post.status == PostStatus.PARTLY_FAILED
    assert sorted(mail.outbox[0].to) == sorted([post.author.email, approver.email])


def test_an_unknown_outcome_is_never_resent_blindly_but_handed_to_a_person(
    approved_post, fake_adapter, django_capture_on_commit_callbacks
):
    post = approved_post(channels=1)
    fake_adapter.outcomes = [UnknownOutcome("read timeout")]

    with django_capture_on_commit_callbacks(execute=True):
        (outcome,) = claim_and_send_all()
    claim_and_send_all()

    delivery = deliveries_of(post)[0]
    assert (outcome.state, delivery.state, len(fake_adapter.published)) == (
        D.NEEDS_CHECK,
        D.NEEDS_CHECK,
        1,
    )
    assert len(mail.outbox) == 1


def test_an_adapter_crash_counts_as_an_unknown_outcome(approved_post, fake_adapter):
    post = approved_post(channels=1)
    fake_adapter.outcomes = [RuntimeError("boom")]

    claim_and_send_all()

    assert deliveries_of(post)[0].state == D.NEEDS_CHECK


def test_an_unknown_outcome_on_a_reconciling_channel_finds_the_published_item(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    fake_adapter.can_reconcile = True
    fake_adapter.existing = PublishResult(external_id="109", url="https://m.example/109")
    fake_adapter.outcomes = [UnknownOutcome("read timeout")]

    (outcome,) = claim_and_send_all()

    delivery = deliveries_of(post)[0]
    assert (outcome.state, delivery.external_id, len(fake_adapter.lookups)) == (D.SENT, "109", 1)


def test_an_unknown_outcome_on_a_reconciling_channel_not_found_is_retried(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    fake_adapter.can_reconcile = True
    fake_adapter.outcomes = [UnknownOutcome("read timeout")]

    (outcome,) = claim_and_send_all()

    delivery = deliveries_of(post)[0]
    assert (outcome.state, delivery.state, delivery.next_attempt_at is not None) == (
        D.WAITING,
        D.WAITING,
        True,
    )


def test_a_failed_lookup_after_an_unknown_outcome_needs_a_person(approved_post, fake_adapter):
    post = approved_post(channels=1)
    fake_adapter.can_reconcile = True
    fake_adapter.existing = TransientError("lookup down")
    fake_adapter.outcomes = [UnknownOutcome("read timeout")]

    claim_and_send_all()

    assert deliveries_of(post)[0].state == D.NEEDS_CHECK


# --- The post follows its deliveries --------------------------------------------------------


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([D.SENT, D.SENT], PostStatus.PUBLISHED),
        ([D.SENT, D.CANCELLED], PostStatus.PUBLISHED),
        ([D.FAILED, D.FAILED], PostStatus.FAILED),
        ([D.SENT, D.FAILED], PostStatus.PARTLY_FAILED),
        ([D.FAILED, D.WAITING], PostStatus.PARTLY_FAILED),
        ([D.SENT, D.WAITING], None),
        ([D.SENT, D.NEEDS_CHECK], None),
        ([], None),
    ],
)
def test_post_status_follows_its_deliveries(states, expected):
    assert services.post_status_for(states) == expected


# --- The sweeper ----------------------------------------------------------------------------


def test_the_sweeper_puts_a_delivery_whose_message_was_lost_back_to_waiting(approved_post):
    post = approved_post(channels=2)
    stale, fresh = deliveries_of(post)
    claim_due()
    Delivery.objects.filter(pk=stale.pk).update(queued_at=timezone.now() - timedelta(hours=1))

    result = sweep_stuck()

    assert result.requeued == [stale.pk]
    assert [d.state for d in deliveries_of(post)] == [D.WAITING, D.QUEUED]


def test_the_sweeper_hands_an_interrupted_send_to_a_person(
    approved_post, fake_adapter, django_capture_on_commit_callbacks
):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()
    Delivery.objects.filter(pk=delivery_id).update(
        state=D.SENDING, sending_started_at=timezone.now() - timedelta(hours=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = sweep_stuck()

    assert result.needs_check == [delivery_id]
    assert deliveries_of(post)[0].state == D.NEEDS_CHECK
    assert len(mail.outbox) == 1


def test_the_sweeper_leaves_a_send_in_progress_alone(approved_post, fake_adapter):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()
    Delivery.objects.filter(pk=delivery_id).update(
        state=D.SENDING, sending_started_at=timezone.now()
    )

    assert sweep_stuck().needs_check == []
    assert deliveries_of(post)[0].state == D.SENDING


def test_an_interrupted_send_on_a_reconciling_channel_is_looked_up_before_resending(
    approved_post, fake_adapter
):
    post = approved_post(channels=1)
    fake_adapter.can_reconcile = True
    fake_adapter.existing = PublishResult(external_id="42", url="https://t.me/comune/42")
    (delivery_id,) = claim_due()
    Delivery.objects.filter(pk=delivery_id).update(
        state=D.SENDING, sending_started_at=timezone.now() - timedelta(hours=1)
    )

    result = sweep_stuck()
    outcome = send_delivery(delivery_id=delivery_id)

    assert (result.resend, outcome.state) == ([delivery_id], D.SENT)
    assert (len(fake_adapter.lookups), fake_adapter.published) == (1, [])
    delivery = deliveries_of(post)[0]
    assert (delivery.external_id, delivery.needs_reconcile) == ("42", False)


def test_a_late_success_after_the_sweeper_gave_up_is_still_recorded(approved_post, fake_adapter):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()
    delivery = Delivery.objects.select_related("variant").get(pk=delivery_id)
    Delivery.objects.filter(pk=delivery_id).update(state=D.NEEDS_CHECK)

    services._record_sent(
        delivery, PublishResult(external_id="7", url="https://x.com/c/7"), title=""
    )

    assert deliveries_of(post)[0].state == D.SENT


# --- What people do -------------------------------------------------------------------------


def test_retrying_a_failed_delivery_makes_it_due_again_and_reopens_the_post(
    approved_post, fake_adapter, approver
):
    post = approved_post(channels=1)
    fake_adapter.outcomes = [PermanentError("Invalid access token", status=401)]
    claim_and_send_all()
    delivery = deliveries_of(post)[0]

    services.retry_delivery(delivery=delivery, by=approver)
    claim_and_send_all()

    delivery.refresh_from_db()
    post.refresh_from_db()
    assert (delivery.state, post.status) == (D.SENT, PostStatus.PUBLISHED)
    assert AuditEntry.objects.filter(action="delivery.retry_requested", actor=approver).count() == 1


def test_a_sent_delivery_cannot_be_retried(approved_post, fake_adapter, approver):
    post = approved_post(channels=1)
    claim_and_send_all()

    with pytest.raises(services.DeliveryActionError):
        services.retry_delivery(delivery=deliveries_of(post)[0], by=approver)


def test_a_person_marks_a_checked_delivery_as_sent_and_the_post_is_published(
    approved_post, fake_adapter, approver
):
    post = approved_post(channels=1)
    fake_adapter.outcomes = [UnknownOutcome("read timeout")]
    claim_and_send_all()

    services.resolve_checked_delivery(
        delivery=deliveries_of(post)[0], by=approver, sent=True, url="https://x.com/c/1"
    )

    delivery = deliveries_of(post)[0]
    post.refresh_from_db()
    assert (delivery.state, delivery.external_url, post.status) == (
        D.SENT,
        "https://x.com/c/1",
        PostStatus.PUBLISHED,
    )
    assert AuditEntry.objects.filter(action="delivery.checked_sent", actor=approver).exists()


def test_a_person_marks_a_checked_delivery_as_failed(approved_post, fake_adapter, approver):
    post = approved_post(channels=1)
    fake_adapter.outcomes = [UnknownOutcome("read timeout")]
    claim_and_send_all()

    services.resolve_checked_delivery(delivery=deliveries_of(post)[0], by=approver, sent=False)

    post.refresh_from_db()
    assert (deliveries_of(post)[0].state, post.status) == (D.FAILED, PostStatus.FAILED)


# --- Tasks ----------------------------------------------------------------------------------


def test_dispatch_due_wakes_one_send_per_batch_of_claimed_deliveries_after_commit(
    approved_post, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.PUBLISHING_SEND_BATCH = 2
    post = approved_post(channels=3)
    sent_messages = []
    monkeypatch.setattr(tasks.send_batch, "delay", lambda **kw: sent_messages.append(kw))

    with django_capture_on_commit_callbacks(execute=True):
        count = tasks.dispatch_due()

    first, second, third = (d.pk for d in deliveries_of(post))
    assert count == 3
    assert sent_messages == [{"delivery_ids": [first, second]}, {"delivery_ids": [third]}]


def test_a_batch_sends_each_of_its_deliveries_once_and_publishes_their_posts(
    approved_post, fake_adapter
):
    posts = [approved_post(channels=2), approved_post(channels=1)]
    claimed = claim_due()

    assert tasks.send_batch(delivery_ids=claimed) == {D.SENT: 3}
    assert tasks.send_batch(delivery_ids=claimed) == {"skipped": 3}
    assert sorted(r.delivery_id for r in fake_adapter.published) == sorted(claimed)
    for post in posts:
        post.refresh_from_db()
        assert post.status == "published"
    assert AuditEntry.objects.filter(action="delivery.sent").count() == 3


def test_a_batch_records_each_outcome_on_its_own_row(approved_post, fake_adapter):
    """One channel refuses, one is away for a moment, one takes it: each row says so, and
    the post follows (partly failed) once the transient one is sent later."""
    post = approved_post(channels=3)
    refused, away, taken = claimed = claim_due()
    fake_adapter.fail_for(refused, PermanentError("Testo rifiutato"))
    fake_adapter.fail_for(away, TransientError("Servizio non disponibile"))

    outcomes = services.send_deliveries(delivery_ids=claimed)

    assert [(o.delivery_id, o.state) for o in outcomes] == [
        (refused, D.FAILED),
        (away, D.WAITING),
        (taken, D.SENT),
    ]
    assert [r.delivery_id for r in fake_adapter.published] == [taken]
    post.refresh_from_db()
    assert post.status == "partly_failed"


def test_send_delivery_task_runs_the_service(approved_post, fake_adapter):
    approved_post(channels=1)
    (delivery_id,) = claim_due()

    assert tasks.send_delivery(delivery_id=delivery_id) == D.SENT
    assert tasks.send_delivery(delivery_id=delivery_id) == "skipped"


def test_cancelling_a_post_cancels_its_unsent_deliveries_only(approved_post, fake_adapter, editor):
    post = approved_post(channels=3)
    first, second, _third = deliveries_of(post)
    send_delivery(delivery_id=claim_due(limit=1)[0])
    Delivery.objects.filter(pk=second.pk).update(state=D.QUEUED)

    cancelled = services.cancel_deliveries(post=post, by=editor)

    assert cancelled == 2
    assert [d.state for d in deliveries_of(post)] == [D.SENT, D.CANCELLED, D.CANCELLED]
    assert claim_due() == []
    assert AuditEntry.objects.filter(action="delivery.cancelled", actor=editor).count() == 2


@override_settings(PUBLISHING_CLAIM_BATCH=2, PUBLISHING_CLAIM_ROUNDS=2)
def test_dispatch_due_claims_in_short_batches_up_to_its_rounds(
    approved_post, monkeypatch, django_capture_on_commit_callbacks
):
    approved_post(channels=5)
    monkeypatch.setattr(tasks.send_delivery, "delay", lambda **kw: None)

    with django_capture_on_commit_callbacks(execute=True):
        first_tick = tasks.dispatch_due()
        second_tick = tasks.dispatch_due()

    assert (first_tick, second_tick) == (4, 1)


def test_a_tick_books_one_more_run_at_the_first_planned_time_before_the_next_tick(
    approved_post, monkeypatch, settings
):
    """A post due 0.4 s after a tick is claimed at its own time, not at the next tick; the run
    booked for it books none, so runs never multiply."""
    settings.PUBLISHING_DISPATCH_INTERVAL = 1.0
    now = timezone.now()
    soon = approved_post(channels=1, planned_at=now + timedelta(seconds=0.4))
    approved_post(channels=1, planned_at=now + timedelta(seconds=0.8))
    approved_post(channels=1, planned_at=now + timedelta(minutes=5))
    booked = []
    monkeypatch.setattr(tasks.dispatch_due, "apply_async", lambda **kw: booked.append(kw))

    tasks.dispatch_due()
    tasks.dispatch_due(wake_at_next_due=False)

    assert len(booked) == 1
    assert booked[0]["eta"] == soon.planned_at
    assert booked[0]["kwargs"] == {"wake_at_next_due": False}
    assert booked[0]["expires"] > soon.planned_at


def test_a_tick_books_nothing_when_nothing_falls_before_the_next_tick(
    approved_post, monkeypatch, settings
):
    settings.PUBLISHING_DISPATCH_INTERVAL = 1.0
    approved_post(channels=1, planned_at=timezone.now() + timedelta(seconds=30))
    approved_post(
        channels=1, status=PostStatus.DRAFT, planned_at=timezone.now() + timedelta(seconds=0.5)
    )
    booked = []
    monkeypatch.setattr(tasks.dispatch_due, "apply_async", lambda **kw: booked.append(kw))

    tasks.dispatch_due()

    assert booked == []


def test_an_adapter_crash_never_stores_the_secret_in_the_error(approved_post, fake_adapter):
    post = approved_post(channels=1)
    channel = deliveries_of(post)[0].variant.channel
    ChannelCredential.objects.create(channel=channel, secret="123456:segretissimo")
    fake_adapter.outcomes = [RuntimeError("GET /bot123456:segretissimo/sendMessage failed")]

    claim_and_send_all()

    assert deliveries_of(post)[0].last_error == "RuntimeError: GET /bot[segreto]/sendMessage failed"


def _queries_to_send_a_batch(approved_post, posts: int) -> int:
    for _ in range(posts):
        approved_post(channels=1)
    claimed = claim_due()
    with CaptureQueriesContext(connection) as queries:
        assert tasks.send_batch(delivery_ids=claimed) == {D.SENT: posts}
    Delivery.objects.all().delete()
    return len(queries)


def test_a_batch_costs_the_same_queries_for_two_posts_or_twelve(approved_post, fake_adapter):
    """The library images, the posts' statuses and their audit entries are read and written
    for the whole batch, not once per delivery (issue 12: bursts drain fast)."""
    assert _queries_to_send_a_batch(approved_post, 12) == _queries_to_send_a_batch(approved_post, 2)


def test_the_posts_of_a_batch_are_published_each_with_its_audit_entry(approved_post, fake_adapter):
    posts = [approved_post(channels=1) for _ in range(3)]

    tasks.send_batch(delivery_ids=claim_due())

    published = AuditEntry.objects.filter(action="post.published").order_by("post_id")
    assert [entry.post_id for entry in published] == [post.pk for post in posts]
    assert {entry.after["status"] for entry in published} == {"published"}
    assert {entry.summary for entry in published} == {"Stato degli invii aggiornato."}


def test_a_post_that_changed_while_its_batch_was_sent_is_followed_on_its_own(
    approved_post, fake_adapter
):
    """``transition_many`` refuses the whole group when one post is not in the status read;
    each post then moves by itself, and the one that changed is left as it is."""
    posts = [approved_post(channels=1) for _ in range(3)]
    for post in posts:
        post.refresh_from_db()
    Delivery.objects.update(state=D.SENT)
    Post.objects.filter(pk=posts[1].pk).update(status=PostStatus.PAUSED)  # read as approved

    sync_post_statuses(posts)

    assert [Post.objects.get(pk=post.pk).status for post in posts] == [
        PostStatus.PUBLISHED,
        PostStatus.PAUSED,
        PostStatus.PUBLISHED,
    ]
    assert AuditEntry.objects.filter(action="post.published").count() == 2
