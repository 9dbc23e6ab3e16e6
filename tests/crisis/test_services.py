"""Declaring, ending and recovering from a crisis; blackouts at approval time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.crisis import selectors
from apps.crisis.gate import sending_blocked_reason
from apps.crisis.models import CrisisState
from apps.crisis_response import selectors as response_selectors
from apps.crisis_response import services
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from tests.crisis.factories import BlackoutFactory
from tests.factories import CategoryFactory, ChannelFactory

pytestmark = pytest.mark.django_db


def _refresh(post):
    post.refresh_from_db()
    return post


# --- Declaring ----------------------------------------------------------------------------


def test_declaring_a_crisis_pauses_every_approved_post_not_yet_sent(approver, channels, make_post):
    approved = make_post(channels=channels)
    draft = make_post(channels=channels, status=PostStatus.DRAFT)

    crisis = services.declare_crisis(by=approver, reason="Esondazione del torrente")

    assert _refresh(approved).status == PostStatus.PAUSED
    assert _refresh(draft).status == PostStatus.DRAFT
    assert CrisisState.objects.get().current == crisis
    assert AuditEntry.objects.filter(action="crisis.declared", object_id=str(crisis.pk)).exists()
    assert AuditEntry.objects.filter(action="post.paused_by_crisis", post_id=approved.pk).exists()


def test_a_crisis_on_chosen_channels_pauses_only_posts_on_those_channels(
    approver, channels, make_post
):
    facebook, telegram = channels
    on_facebook = make_post(channels=[facebook])
    on_telegram = make_post(channels=[telegram])

    services.declare_crisis(by=approver, reason="Incidente", channels=[facebook])

    assert _refresh(on_facebook).status == PostStatus.PAUSED
    assert _refresh(on_telegram).status == PostStatus.APPROVED


def test_crisis_communication_is_not_paused(approver, channels, make_post):
    update = make_post(channels=channels, is_crisis_communication=True)

    services.declare_crisis(by=approver, reason="Allerta rossa")

    assert _refresh(update).status == PostStatus.APPROVED


def test_a_post_already_sent_everywhere_is_left_alone(approver, channels, make_post):
    post = make_post(channels=channels, in_hours=-1)
    Delivery.objects.filter(variant__post=post).update(state=DeliveryState.SENT)

    services.declare_crisis(by=approver, reason="Lutto")

    assert _refresh(post).status == PostStatus.APPROVED


def test_a_second_crisis_cannot_be_declared_while_one_is_open(approver):
    services.declare_crisis(by=approver, reason="Prima")
    with pytest.raises(services.CrisisError):
        services.declare_crisis(by=approver, reason="Seconda")


def test_a_crisis_needs_a_reason(approver):
    with pytest.raises(services.CrisisError):
        services.declare_crisis(by=approver, reason="   ")


def test_deliveries_sending_at_declaration_are_listed_for_checking(approver, channels, make_post):
    post = make_post(channels=channels, in_hours=-1)
    sending = Delivery.objects.filter(variant__post=post).first()
    Delivery.objects.filter(pk=sending.pk).update(state=DeliveryState.SENDING)

    crisis = services.declare_crisis(by=approver, reason="Allerta")

    assert [d.pk for d in response_selectors.mid_send_at_declaration(crisis)] == [sending.pk]


# --- The gate -----------------------------------------------------------------------------


def test_the_gate_blocks_in_scope_variants_once_the_crisis_is_declared(
    approver, channels, make_post
):
    post = make_post(channels=channels, in_hours=-1)
    variant = post.variants.first()
    assert sending_blocked_reason(variant, at=timezone.now()) is None

    services.declare_crisis(by=approver, reason="Allerta meteo")

    assert "crisi" in sending_blocked_reason(variant, at=timezone.now())


def test_the_gate_lets_crisis_communication_through(approver, channels, make_post):
    post = make_post(channels=channels, in_hours=-1, is_crisis_communication=True)
    services.declare_crisis(by=approver, reason="Allerta meteo")

    assert sending_blocked_reason(post.variants.first(), at=timezone.now()) is None


def test_the_gate_ignores_channels_outside_the_crisis_scope(approver, channels, make_post):
    facebook, telegram = channels
    post = make_post(channels=[telegram], in_hours=-1)
    services.declare_crisis(by=approver, reason="Incidente", channels=[facebook])

    assert sending_blocked_reason(post.variants.get(), at=timezone.now()) is None


def test_the_gate_blocks_a_post_inside_a_blackout_unless_allowed_or_indispensable(
    channels, make_post
):
    services_category = CategoryFactory(name="Avvisi di servizio", slug="avvisi")
    BlackoutFactory(allowed_categories=[services_category])
    ordinary = make_post(channels=channels, in_hours=-1)
    allowed = make_post(channels=channels, in_hours=-1, category=services_category)
    indispensable = make_post(
        channels=channels, in_hours=-1, is_indispensable=True, indispensable_reason="Viabilità"
    )
    now = timezone.now()

    assert "silenzio" in sending_blocked_reason(ordinary.variants.first(), at=now)
    assert sending_blocked_reason(allowed.variants.first(), at=now) is None
    assert sending_blocked_reason(indispensable.variants.first(), at=now) is None


def test_the_gate_ignores_a_blackout_on_other_channels(channels, make_post):
    facebook, telegram = channels
    BlackoutFactory(channels=[facebook])
    post = make_post(channels=[telegram], in_hours=-1)

    assert sending_blocked_reason(post.variants.get(), at=timezone.now()) is None


# --- Ending and recovering ----------------------------------------------------------------


def test_ending_a_crisis_needs_a_note_and_resumes_nothing(approver, channels, make_post):
    post = make_post(channels=channels)
    services.declare_crisis(by=approver, reason="Allerta")
    with pytest.raises(services.CrisisError):
        services.end_crisis(by=approver, note="")

    crisis = services.end_crisis(by=approver, note="Allerta rientrata alle 18")

    assert crisis.ended_at is not None
    assert selectors.open_crisis() is None
    assert CrisisState.objects.get().current is None
    assert _refresh(post).status == PostStatus.PAUSED
    assert sending_blocked_reason(post.variants.first(), at=timezone.now()) is None
    assert AuditEntry.objects.filter(action="crisis.ended").exists()


def test_a_paused_post_resumes_at_its_original_time_when_still_future(
    approver, channels, make_post
):
    post = make_post(channels=channels, in_hours=3)
    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")

    services.resume_post(_refresh(post), by=approver)

    assert _refresh(post).status == PostStatus.APPROVED
    assert set(Delivery.objects.filter(variant__post=post).values_list("state", "due_at")) == {
        (DeliveryState.WAITING, post.planned_at)
    }
    assert AuditEntry.objects.filter(action="post.resumed", post_id=post.pk).exists()


def test_a_post_whose_time_passed_is_never_resumed_without_a_new_time(
    approver, channels, make_post
):
    post = make_post(channels=channels, in_hours=1)
    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")
    post.planned_at = timezone.now() - timedelta(minutes=1)
    post.save(update_fields=["planned_at"])

    with pytest.raises(services.CrisisError, match="nuovo orario"):
        services.resume_post(_refresh(post), by=approver)
    assert _refresh(post).status == PostStatus.PAUSED


def test_a_paused_post_cannot_resume_while_the_crisis_still_covers_it(
    approver, channels, make_post
):
    post = make_post(channels=channels)
    services.declare_crisis(by=approver, reason="Allerta")

    with pytest.raises(services.CrisisError):
        services.resume_post(_refresh(post), by=approver)


def test_a_paused_post_can_be_rescheduled_to_a_future_time(approver, channels, make_post):
    post = make_post(channels=channels, in_hours=1)
    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")
    new_time = timezone.now() + timedelta(days=2)

    with pytest.raises(services.CrisisError):
        services.reschedule_paused_post(
            _refresh(post), by=approver, planned_at=timezone.now() - timedelta(hours=1)
        )
    services.reschedule_paused_post(_refresh(post), by=approver, planned_at=new_time)

    post = _refresh(post)
    assert post.status == PostStatus.APPROVED
    assert post.planned_at == new_time
    assert set(Delivery.objects.filter(variant__post=post).values_list("due_at", flat=True)) == {
        new_time
    }
    assert AuditEntry.objects.filter(action="crisis.post_rescheduled", post_id=post.pk).exists()


def test_a_paused_post_can_be_cancelled(approver, channels, make_post):
    post = make_post(channels=channels)
    services.declare_crisis(by=approver, reason="Lutto cittadino")
    services.end_crisis(by=approver, note="Finita")

    services.cancel_paused_post(_refresh(post), by=approver, reason="Non più opportuno")

    assert _refresh(post).status == PostStatus.CANCELLED
    assert set(Delivery.objects.filter(variant__post=post).values_list("state", flat=True)) == {
        DeliveryState.CANCELLED
    }


def test_bulk_resume_resumes_future_posts_and_reports_the_others(approver, channels, make_post):
    future = make_post(channels=channels, in_hours=5)
    past = make_post(channels=channels, in_hours=1)
    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")
    type(past).objects.filter(pk=past.pk).update(planned_at=timezone.now() - timedelta(hours=1))

    result = services.bulk_resume([_refresh(future), _refresh(past)], by=approver)

    assert [p.pk for p in result.done] == [future.pk]
    assert [p.pk for p, _ in result.refused] == [past.pk]


# --- Blackouts at approval time -----------------------------------------------------------


def test_approval_inside_a_blackout_is_refused_for_an_ordinary_post(channels, make_post):
    blackout = BlackoutFactory()
    post = make_post(channels=channels, status=PostStatus.IN_REVIEW, in_hours=3)

    assert selectors.blackout_blocking_approval(post) == blackout


def test_an_indispensable_post_with_a_justification_may_be_approved_in_a_blackout(
    channels, make_post
):
    BlackoutFactory()
    without_reason = make_post(
        channels=channels,
        status=PostStatus.IN_REVIEW,
        is_indispensable=True,
        indispensable_reason="   ",
    )
    with_reason = make_post(
        channels=channels,
        status=PostStatus.IN_REVIEW,
        is_indispensable=True,
        indispensable_reason="Chiusura strade per allerta: informazione di servizio",
    )

    assert selectors.blackout_blocking_approval(without_reason) is not None
    assert selectors.blackout_blocking_approval(with_reason) is None


def test_an_allowed_category_may_be_approved_in_a_blackout(channels, make_post):
    category = CategoryFactory(name="Servizi", slug="servizi")
    BlackoutFactory(allowed_categories=[category])
    post = make_post(channels=channels, status=PostStatus.IN_REVIEW, category=category)

    assert selectors.blackout_blocking_approval(post) is None


def test_a_post_outside_the_blackout_period_or_channels_may_be_approved(channels, make_post):
    facebook, telegram = channels
    BlackoutFactory(channels=[facebook])
    later = make_post(channels=channels, status=PostStatus.IN_REVIEW, in_hours=24 * 5)
    elsewhere = make_post(channels=[telegram], status=PostStatus.IN_REVIEW)

    assert selectors.blackout_blocking_approval(later) is None
    assert selectors.blackout_blocking_approval(elsewhere) is None


def test_posts_approved_before_a_blackout_are_listed_as_in_conflict(channels, make_post):
    approved = make_post(channels=channels, in_hours=3)
    outside = make_post(channels=channels, in_hours=24 * 5)
    blackout = BlackoutFactory()

    assert selectors.posts_in_conflict(blackout) == [approved]
    assert outside not in selectors.posts_in_conflict(blackout)


def test_blackouts_between_returns_the_periods_overlapping_a_range():
    inside = BlackoutFactory()
    BlackoutFactory(
        starts_at=timezone.now() + timedelta(days=10), ends_at=timezone.now() + timedelta(days=11)
    )

    assert selectors.blackouts_between(timezone.now(), timezone.now() + timedelta(days=3)) == [
        inside
    ]
    assert selectors.blackouts_covering(timezone.now(), channel=ChannelFactory()) == [inside]


def test_deleting_a_published_item_calls_the_adapter_and_is_audited(
    approver, channels, make_post, adapter_override
):
    calls = []

    class DeletingAdapter:
        supports_delete = True

        def delete(self, *, external_id, config, secret):
            calls.append(external_id)

    adapter_override(DeletingAdapter())
    post = make_post(channels=channels[:1], in_hours=-1)
    delivery = Delivery.objects.get(variant__post=post)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), external_id="123"
    )
    crisis = services.declare_crisis(by=approver, reason="Allerta")
    delivery = response_selectors.published_in_scope_since(crisis)[0]

    services.delete_published_item(delivery, by=approver)

    assert calls == ["123"]
    assert response_selectors.published_in_scope_since(crisis) == []
    assert AuditEntry.objects.filter(action="crisis.published_item_deleted").exists()


def test_retries_of_a_partly_failed_post_are_stopped_so_they_never_go_out_late(
    approver, channels, make_post
):
    post = make_post(channels=channels, in_hours=-1)
    type(post).objects.filter(pk=post.pk).update(status=PostStatus.PARTLY_FAILED)
    sent, retrying = Delivery.objects.filter(variant__post=post).order_by("pk")
    Delivery.objects.filter(pk=sent.pk).update(state=DeliveryState.SENT)

    services.declare_crisis(by=approver, reason="Allerta")
    services.end_crisis(by=approver, note="Finita")

    retrying.refresh_from_db()
    assert retrying.state == DeliveryState.FAILED
    assert "riprova a mano" in retrying.last_error
    assert AuditEntry.objects.filter(action="delivery.stopped_by_crisis").count() == 1


def test_a_post_approved_during_the_crisis_whose_time_passed_is_paused_at_the_end(
    approver, channels, make_post
):
    services.declare_crisis(by=approver, reason="Allerta")
    approved_meanwhile = make_post(channels=channels, in_hours=-1)
    later = make_post(channels=channels, in_hours=5)
    assert sending_blocked_reason(approved_meanwhile.variants.first(), at=timezone.now())

    services.end_crisis(by=approver, note="Finita")

    assert _refresh(approved_meanwhile).status == PostStatus.PAUSED
    assert _refresh(later).status == PostStatus.APPROVED


def test_the_database_refuses_a_second_open_crisis(approver):
    from django.db import IntegrityError, transaction

    from apps.crisis.models import Crisis

    Crisis.objects.create(reason="Prima", declared_by=approver, declared_at=timezone.now())
    Crisis.objects.create(
        reason="Chiusa", declared_by=approver, declared_at=timezone.now(), ended_at=timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Crisis.objects.create(reason="Seconda", declared_by=approver, declared_at=timezone.now())


def test_a_post_whose_retries_the_crisis_stops_follows_its_deliveries(
    approver, channels, make_post
):
    post = make_post(channels=channels, in_hours=-1)
    type(post).objects.filter(pk=post.pk).update(status=PostStatus.PARTLY_FAILED)
    failed, retrying = Delivery.objects.filter(variant__post=post).order_by("pk")
    Delivery.objects.filter(pk=failed.pk).update(state=DeliveryState.FAILED)

    services.declare_crisis(by=approver, reason="Allerta")

    # Every delivery failed now: the post says so, and the publishing desk shows it.
    assert _refresh(post).status == PostStatus.FAILED


def test_cancelling_a_paused_post_cancels_its_queued_deliveries_too_with_audit(
    approver, channels, make_post
):
    post = make_post(channels=channels, in_hours=-1)
    Delivery.objects.filter(variant__post=post).update(state=DeliveryState.QUEUED)
    services.declare_crisis(by=approver, reason="Lutto cittadino")
    services.end_crisis(by=approver, note="Finita")

    services.cancel_paused_post(_refresh(post), by=approver)

    states = set(Delivery.objects.filter(variant__post=post).values_list("state", flat=True))
    assert states == {DeliveryState.CANCELLED}
    assert AuditEntry.objects.filter(action="delivery.cancelled", post_id=post.pk).count() == 2


def test_the_gate_holds_an_indispensable_post_without_a_justification_in_a_blackout(
    channels, make_post
):
    BlackoutFactory()
    unjustified = make_post(
        channels=channels, in_hours=-1, is_indispensable=True, indispensable_reason=" \n "
    )

    assert "silenzio" in sending_blocked_reason(unjustified.variants.first(), at=timezone.now())


def test_a_failed_removal_never_shows_the_channel_secret(
    approver, channels, make_post, adapter_override
):
    from apps.publishing.models import ChannelCredential

    class FailingAdapter:
        supports_delete = True

        def delete(self, *, external_id, config, secret):
            raise RuntimeError(f"403 for https://api.example.test/bot{secret}/deleteMessage")

    adapter_override(FailingAdapter())
    ChannelCredential.objects.create(channel=channels[0], secret="tok-123456:segretissimo")
    post = make_post(channels=channels[:1], in_hours=-1)
    Delivery.objects.filter(variant__post=post).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), external_id="9"
    )
    delivery = Delivery.objects.select_related("variant__channel__credential").get(
        variant__post=post
    )

    with pytest.raises(services.CrisisError) as refused:
        services.delete_published_item(delivery, by=approver)

    assert "segretissimo" not in str(refused.value)
    assert "[segreto]" in str(refused.value)
