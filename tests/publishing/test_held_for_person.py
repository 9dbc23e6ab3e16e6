"""Nothing held past its time goes out late by itself: a person decides.

A delivery whose own time falls in a blackout that does not exempt it is never sent by the
clock; one held for any reason (crisis, outage, retries) beyond its channel's tolerance
pauses its post, which then waits on the recovery page for "riprogramma" or "annulla".
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.crisis.models import Crisis, CrisisState
from apps.crisis_response.services import end_crisis, reschedule_paused_post
from apps.planning.enums import PostStatus
from apps.publishing.adapters.base import TransientError
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due, retry_delivery, send_delivery
from tests.crisis.factories import BlackoutFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def deliveries_of(post):
    return list(Delivery.objects.filter(variant__post=post).order_by("id"))


def tick(now=None):
    """What beat and a worker do at ``now``: claim what is due, send it."""
    return [send_delivery(delivery_id=pk, now=now) for pk in claim_due(now=now)]


def test_a_post_due_inside_a_blackout_is_never_sent_after_the_blackout(approved_post, fake_adapter):
    now = timezone.now()
    BlackoutFactory(reason="Lutto cittadino", starts_at=now - timedelta(hours=1), ends_at=now)
    post = approved_post(channels=1, planned_at=now - timedelta(minutes=30))

    tick(now=now - timedelta(minutes=29))  # its time comes, inside the mourning
    tick(now=now + timedelta(minutes=1))  # the mourning is over
    tick(now=now + timedelta(days=1))

    post.refresh_from_db()
    assert fake_adapter.published == []
    assert post.status == PostStatus.PAUSED
    assert "Lutto cittadino" in deliveries_of(post)[0].last_error
    assert AuditEntry.objects.filter(post_id=post.pk, action="post.paused_held").exists()


def test_a_post_planned_in_a_blackout_pauses_when_its_time_comes(approved_post, fake_adapter):
    BlackoutFactory(reason="Silenzio elettorale")
    post = approved_post(channels=2)

    tick()

    post.refresh_from_db()
    assert post.status == PostStatus.PAUSED and fake_adapter.published == []
    assert {d.state for d in deliveries_of(post)} == {D.WAITING}


def test_a_blackout_allowing_the_category_lets_the_post_through(approved_post, fake_adapter):
    post = approved_post(channels=1)
    BlackoutFactory(allowed_categories=[post.category])

    tick()

    assert deliveries_of(post)[0].state == D.SENT


def test_a_worker_outage_longer_than_the_tolerance_pauses_instead_of_sending_late(
    approved_post, fake_adapter
):
    post = approved_post(channels=1, planned_at=timezone.now() - timedelta(minutes=16))

    tick()

    post.refresh_from_db()
    assert fake_adapter.published == [] and post.status == PostStatus.PAUSED
    assert "15 minuti" in deliveries_of(post)[0].last_error


def test_a_send_a_little_late_but_within_the_tolerance_still_goes_out(approved_post, fake_adapter):
    post = approved_post(channels=1, planned_at=timezone.now() - timedelta(minutes=14))

    tick()

    assert deliveries_of(post)[0].state == D.SENT


def test_each_channel_has_its_own_tolerance(approved_post, fake_adapter):
    post = approved_post(channels=1, planned_at=timezone.now() - timedelta(minutes=40))
    channel = post.variants.get().channel
    channel.late_tolerance_minutes = 60
    channel.save(update_fields=["late_tolerance_minutes"])

    tick()

    assert deliveries_of(post)[0].state == D.SENT


def test_a_crisis_hold_past_the_tolerance_pauses_the_post(approved_post, fake_adapter):
    approver = UserFactory()
    crisis = Crisis.objects.create(
        reason="Alluvione", declared_by=approver, declared_at=timezone.now()
    )
    CrisisState.objects.update_or_create(singleton=True, defaults={"current": crisis})
    post = approved_post(channels=1)  # approved during the crisis: the gate holds it

    tick()
    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED and deliveries_of(post)[0].state == D.WAITING

    tick(now=timezone.now() + timedelta(minutes=20))
    post.refresh_from_db()
    assert post.status == PostStatus.PAUSED and fake_adapter.published == []


def test_a_queued_message_that_arrives_late_is_not_sent(approved_post, fake_adapter):
    post = approved_post(channels=1)
    (delivery_id,) = claim_due()

    outcome = send_delivery(delivery_id=delivery_id, now=timezone.now() + timedelta(minutes=30))
    tick(now=timezone.now() + timedelta(minutes=31))

    post.refresh_from_db()
    assert outcome.state == D.WAITING and fake_adapter.published == []
    assert post.status == PostStatus.PAUSED


def test_retries_that_run_past_the_tolerance_wait_for_a_person(approved_post, fake_adapter):
    post = approved_post(channels=1)
    fake_adapter.outcomes = [TransientError("Too Many Requests", status=429, retry_after=1800)]

    tick()
    tick(now=timezone.now() + timedelta(minutes=31))

    post.refresh_from_db()
    assert len(fake_adapter.published) == 1 and post.status == PostStatus.PAUSED


def test_a_late_retry_of_a_partly_failed_post_fails_for_a_person_to_retry(
    approved_post, fake_adapter
):
    post = approved_post(channels=2, status=PostStatus.PARTLY_FAILED)
    first, second = deliveries_of(post)
    Delivery.objects.filter(pk=first.pk).update(state=D.FAILED, last_error="HTTP 400")

    tick(now=timezone.now() + timedelta(minutes=20))

    second.refresh_from_db()
    assert second.state == D.FAILED and fake_adapter.published == []
    assert "decisione" in second.last_error


def test_a_persons_retry_is_the_decision_to_send_now(approved_post, fake_adapter):
    post = approved_post(channels=1, status=PostStatus.FAILED)
    (delivery,) = deliveries_of(post)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=D.FAILED, due_at=timezone.now() - timedelta(hours=3)
    )
    delivery.refresh_from_db()

    retry_delivery(delivery=delivery, by=UserFactory())
    tick()

    assert deliveries_of(post)[0].state == D.SENT


def test_a_paused_late_post_goes_out_once_a_person_reschedules_it(approved_post, fake_adapter):
    post = approved_post(channels=1, planned_at=timezone.now() - timedelta(hours=1))
    tick()
    post.refresh_from_db()
    assert post.status == PostStatus.PAUSED

    reschedule_paused_post(post, by=UserFactory(), planned_at=timezone.now() + timedelta(minutes=1))
    tick(now=timezone.now() + timedelta(minutes=2))

    assert deliveries_of(post)[0].state == D.SENT
    assert len(fake_adapter.published) == 1


def test_ending_a_crisis_sends_posts_approved_during_it_to_the_recovery_page(
    approved_post, fake_adapter
):
    approver = UserFactory()
    crisis = Crisis.objects.create(
        reason="Alluvione", declared_by=approver, declared_at=timezone.now()
    )
    CrisisState.objects.update_or_create(singleton=True, defaults={"current": crisis})
    later = approved_post(channels=1, planned_at=timezone.now() + timedelta(days=1))
    Crisis.objects.filter(pk=crisis.pk).update(declared_at=timezone.now() - timedelta(hours=1))
    later.approved_at = timezone.now()
    later.save(update_fields=["approved_at"])

    end_crisis(by=approver, note="Allerta rientrata")

    later.refresh_from_db()
    assert later.status == PostStatus.PAUSED


def test_the_review_page_warns_that_a_crisis_will_hold_an_ordinary_post(approver_client, approver):
    from tests.factories import ChannelFactory, PostFactory

    Crisis.objects.create(reason="Alluvione", declared_by=approver, declared_at=timezone.now())
    post = PostFactory(channels=[ChannelFactory()], status=PostStatus.IN_REVIEW)

    body = approver_client.get(reverse("review:post", args=[post.pk])).content.decode()

    assert "È in corso una crisi" in body


def test_the_home_page_lists_posts_paused_for_a_decision(approver_client, approved_post):
    post = approved_post(channels=1, planned_at=timezone.now() - timedelta(hours=1))
    claim_due()

    body = approver_client.get(reverse("home")).content.decode()

    assert post.title in body and reverse("crisis:recovery") in body


def test_the_blackout_page_sends_paused_posts_to_the_recovery_page(approver_client, approved_post):
    blackout = BlackoutFactory(reason="Lutto cittadino")
    post = approved_post(channels=1)
    claim_due()

    body = approver_client.get(
        reverse("crisis:blackout_detail", args=[blackout.pk])
    ).content.decode()

    assert post.title in body and reverse("crisis:recovery") in body
    assert "non verranno inviati" in body


# --- Failures a retry cannot fix -----------------------------------------------------------


def test_rejected_content_offers_no_retry_but_says_what_to_fix(
    approved_post, fake_adapter, editor_client, editor
):
    from apps.publishing.adapters.base import PermanentError

    post = approved_post(channels=1)
    fake_adapter.outcomes = [PermanentError("Il testo supera il limite", status=400)]
    tick()
    (delivery,) = deliveries_of(post)
    type(post).objects.filter(pk=post.pk).update(author=editor)

    body = editor_client.get(post.get_absolute_url()).content.decode()

    assert delivery.failure_kind == "rejected"
    assert "ripeterlo non serve" in body
    assert reverse("publishing:retry", args=[delivery.pk]) not in body
    assert reverse("publishing:dismiss", args=[delivery.pk]) in body
    with pytest.raises(Exception, match="ripeterlo non serve"):
        retry_delivery(delivery=delivery, by=editor)


def test_a_broken_configuration_says_to_fix_the_channel_and_may_be_retried(
    approved_post, adapter_override
):
    adapter_override(LookupError("no adapter for this kind"))
    post = approved_post(channels=1)
    tick()
    (delivery,) = deliveries_of(post)

    assert (delivery.state, delivery.failure_kind) == (D.FAILED, "configuration")
    assert delivery.failure.can_retry and "configurazione" in delivery.failure.what_to_do


def test_dismissing_the_failed_channel_of_a_partly_failed_post_publishes_it(
    approved_post, fake_adapter
):
    from apps.publishing.adapters.base import PermanentError
    from apps.publishing.services import dismiss_failed_delivery

    post = approved_post(channels=2)
    fake_adapter.outcomes = [PermanentError("Immagine rifiutata", status=400)]
    tick()
    post.refresh_from_db()
    assert post.status == PostStatus.PARTLY_FAILED
    failed = next(d for d in deliveries_of(post) if d.state == D.FAILED)

    dismiss_failed_delivery(delivery=failed, by=UserFactory())

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert AuditEntry.objects.filter(action="delivery.dismissed", object_id=str(failed.pk)).exists()


def test_dismissing_every_failed_channel_cancels_the_post(approved_post, fake_adapter):
    from apps.publishing.adapters.base import PermanentError
    from apps.publishing.services import dismiss_failed_delivery

    post = approved_post(channels=1)
    fake_adapter.outcomes = [PermanentError("Account sospeso", status=403)]
    tick()

    dismiss_failed_delivery(delivery=deliveries_of(post)[0], by=UserFactory())

    post.refresh_from_db()
    assert post.status == PostStatus.CANCELLED and len(fake_adapter.published) == 1
