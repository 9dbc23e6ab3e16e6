from datetime import timedelta

import pytest
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.publishing.services import schedule_deliveries
from tests.factories import ChannelFactory, PostFactory


@pytest.fixture
def channels(db):
    return [ChannelFactory(name="Facebook prova"), ChannelFactory(name="Telegram prova")]


@pytest.fixture
def make_post(db):
    """An approved post with its deliveries scheduled; ``in_hours`` from now (negative: past)."""

    def make(*, channels, status=PostStatus.APPROVED, in_hours=2, **kwargs):
        post = PostFactory(
            channels=list(channels),
            status=status,
            planned_at=timezone.now() + timedelta(hours=in_hours),
            **kwargs,
        )
        if status == PostStatus.APPROVED:
            schedule_deliveries(post=post)
        return post

    return make
