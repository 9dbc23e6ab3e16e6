"""Two dispatchers at once, on real connections: no delivery is claimed twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.publishing.models import Delivery
from apps.publishing.services import claim_due, schedule_deliveries
from tests.factories import ChannelFactory, PostFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
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
