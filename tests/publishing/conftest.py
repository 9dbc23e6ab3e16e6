from datetime import timedelta

import pytest
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.publishing.adapters.base import Adapter, PublishRequest, PublishResult
from apps.publishing.services import schedule_deliveries
from tests.factories import ChannelFactory, PostFactory


class FakeAdapter(Adapter):
    """Plays a channel: answers each publish with the next scripted outcome, then success."""

    kind = "outbox"

    def __init__(self, *, outcomes=(), can_reconcile=False, existing=None):
        self.outcomes = list(outcomes)
        self.can_reconcile = can_reconcile
        self.existing = existing
        self.published: list[PublishRequest] = []
        self.lookups: list[PublishRequest] = []
        self.outcome_for: dict[int, Exception] = {}

    def fail_for(self, delivery_id: int, error: Exception) -> None:
        """Whatever the order a batch's threads call it in, this delivery gets ``error``."""
        self.outcome_for[delivery_id] = error

    def publish(self, request: PublishRequest) -> PublishResult:
        if request.delivery_id in self.outcome_for:
            raise self.outcome_for[request.delivery_id]
        self.published.append(request)
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if isinstance(outcome, Exception):
            raise outcome
        return outcome or PublishResult(
            external_id=f"ext-{request.delivery_id}",
            url=f"https://social.example.it/p/{request.delivery_id}",
        )

    def find_existing(self, request: PublishRequest) -> PublishResult | None:
        self.lookups.append(request)
        if isinstance(self.existing, Exception):
            raise self.existing
        return self.existing


@pytest.fixture
def fake_adapter(adapter_override):
    return adapter_override(FakeAdapter())


@pytest.fixture
def approved_post(db):
    """An approved post on two channels, due a minute ago, with its deliveries scheduled."""

    def make(*, channels=2, status=PostStatus.APPROVED, planned_at=None, **kwargs):
        chans = [ChannelFactory() for _ in range(channels)]
        post = PostFactory(
            channels=chans,
            status=status,
            planned_at=planned_at or timezone.now() - timedelta(minutes=1),
            **kwargs,
        )
        schedule_deliveries(post=post)
        return post

    return make
