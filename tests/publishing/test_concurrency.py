"""Two dispatchers at once, on real connections: no delivery is claimed twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.publishing import sending
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due, schedule_deliveries
from tests.factories import ChannelFactory, PostFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_split_the_due_deliveries_without_overlap():
    channels = [ChannelFactory(), ChannelFactory()]
    for _ in range(20):
        post = PostFactory(
            channels=channels,
            status=PostStatus.APPROVED,
            planned_at=timezone.now() - timedelta(seconds=5),
        )
        schedule_deliveries(post=post)
    results: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(len(results))

    def claim(slot: int) -> None:
        try:
            start.wait()
            for _ in range(5):
                results[slot].extend(claim_due(limit=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(len(results))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    claimed = [pk for result in results for pk in result]
    assert len(claimed) == len(set(claimed)) == 40
    assert set(claimed) == set(Delivery.objects.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_crisis_declared_during_a_claim_waits_for_it_and_lists_it_as_mid_send(
    monkeypatch, adapter_override
):
    """The gate and the queued -> sending claim share one transaction (SQLite and PostgreSQL):
    a declaration arriving between them waits for the claim to commit, then sees it sending."""
    from apps.accounts.roles import Role
    from apps.crisis.models import Crisis, CrisisState
    from apps.crisis_response.services import declare_crisis
    from apps.publishing import services
    from tests.factories import UserFactory
    from tests.publishing.conftest import FakeAdapter

    CrisisState.objects.get_or_create(singleton=True)
    approver = UserFactory(role=Role.APPROVER)
    post = PostFactory(
        channels=[ChannelFactory()],
        status=PostStatus.APPROVED,
        planned_at=timezone.now() - timedelta(seconds=5),
    )
    schedule_deliveries(post=post)
    (delivery_id,) = claim_due()
    channel = FakeAdapter()
    publish = channel.publish

    def publish_once_the_declaration_is_in(request):
        declaration.join(timeout=30)  # the crisis sees us mid-send
        return publish(request)

    channel.publish = publish_once_the_declaration_is_in
    adapter_override(channel)
    declaration = threading.Thread(target=lambda: _declare(declare_crisis, approver))
    waited = []

    class GateThenDeclare(sending.ClaimGate):
        def blocked_reason(self, variant):
            reason = super().blocked_reason(variant)
            declaration.start()
            declaration.join(timeout=0.5)
            waited.append(declaration.is_alive())  # blocked by our open claim transaction
            return reason

    monkeypatch.setattr(sending, "ClaimGate", GateThenDeclare)

    outcome = services.send_delivery(delivery_id=delivery_id)

    assert (outcome.state, waited) == ("sent", [True])
    assert Crisis.objects.get().mid_send_delivery_ids == [delivery_id]


def _declare(declare_crisis, by):
    try:
        declare_crisis(by=by, reason="Frana sulla provinciale: strada chiusa")
    finally:
        connection.close()
