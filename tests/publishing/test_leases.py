"""A send in flight holds a lease its process renews; the sweeper takes back only sends whose
lease ran out (apps/publishing/leases.py): a live worker is never raced, whatever its pool."""

from datetime import timedelta

import pytest
from django.test.utils import override_settings
from django.utils import timezone

from apps.publishing.enums import DeliveryState as D
from apps.publishing.leases import keeper, lease_until
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due, send_delivery, sweep_stuck
from apps.publishing.sweeper import SENDING_TIMEOUT_MARGIN_SECONDS
from apps.publishing.transitions import move

pytestmark = pytest.mark.django_db

LEASE = 30.0


def test_a_send_holds_a_lease_while_its_channel_answers_and_lets_go_once_recorded(
    approved_post, fake_adapter
):
    approved_post(channels=1)
    (delivery_id,) = claim_due()
    seen = []
    publish = fake_adapter.publish

    def publish_and_look(request):
        row = Delivery.objects.get(pk=delivery_id)
        seen.append((row.state, row.lease_until - row.sending_started_at, keeper.in_flight()))
        return publish(request)

    fake_adapter.publish = publish_and_look

    assert send_delivery(delivery_id=delivery_id).state == D.SENT
    assert seen == [(D.SENDING, timedelta(seconds=LEASE), {delivery_id})]
    assert keeper.in_flight() == set()


def _sending(approved_post, at):
    approved_post(channels=1)
    (delivery_id,) = claim_due(now=at)
    delivery = Delivery.objects.get(pk=delivery_id)
    move(
        delivery,
        D.QUEUED,
        D.SENDING,
        action="delivery.sending",
        sending_started_at=at,
        lease_until=lease_until(at),
    )
    return delivery_id


@override_settings(CELERY_TASK_TIME_LIMIT=90, PUBLISHING_SENDING_TIMEOUT=120)
def test_a_slow_send_whose_process_renews_its_lease_is_never_taken_back(approved_post):
    start = timezone.now()
    delivery_id = _sending(approved_post, start)

    with keeper.held(delivery_id):
        # Ten minutes of a slow channel, far beyond the time limits: the process is alive.
        for minute in range(1, 11):
            now = start + timedelta(minutes=minute)
            assert keeper.renew(now=now) == 1
            swept = sweep_stuck(now=now + timedelta(seconds=LEASE / 3))
            assert (swept.resend, swept.needs_check) == ([], [])

    assert Delivery.objects.get(pk=delivery_id).state == D.SENDING


def test_a_send_whose_process_is_gone_is_taken_back_once_its_lease_runs_out(approved_post):
    start = timezone.now()
    delivery_id = _sending(approved_post, start)
    expiry = start + timedelta(seconds=LEASE + SENDING_TIMEOUT_MARGIN_SECONDS)

    early = sweep_stuck(now=expiry - timedelta(seconds=1))
    late = sweep_stuck(now=expiry + timedelta(seconds=1))

    assert (early.resend, early.needs_check) == ([], [])
    assert late.resend + late.needs_check == [delivery_id]
    assert Delivery.objects.get(pk=delivery_id).state in (D.QUEUED, D.NEEDS_CHECK)


def test_renewing_touches_only_this_processs_sends_still_sending(approved_post):
    start = timezone.now()
    mine = _sending(approved_post, start)
    other = _sending(approved_post, start)
    later = start + timedelta(seconds=20)

    with keeper.held(mine):
        assert keeper.renew(now=later) == 1

    leases = dict(Delivery.objects.values_list("pk", "lease_until"))
    assert leases[mine] == lease_until(later)
    assert leases[other] == lease_until(start)
