from datetime import timedelta

from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from tests.factories import ChannelFactory, PostFactory
from tests.permissions import author_only, reviewers, staff


def _delivery(cast, state):
    post = PostFactory(
        author=cast["editor"],
        status=PostStatus.FAILED,
        planned_at=timezone.now() - timedelta(minutes=5),
        channels=[ChannelFactory()],
    )
    delivery = Delivery.objects.create(
        variant=post.variants.get(), due_at=post.planned_at, state=state, attempts=1
    )
    return {"pk": delivery.pk}


ROWS = [
    staff("publishing:overview"),
    author_only(
        "publishing:retry",
        method="POST",
        make_kwargs=lambda cast: _delivery(cast, DeliveryState.FAILED),
    ),
    author_only(
        "publishing:dismiss",
        method="POST",
        make_kwargs=lambda cast: _delivery(cast, DeliveryState.FAILED),
    ),
    reviewers(
        "publishing:resolve",
        method="POST",
        make_kwargs=lambda cast: _delivery(cast, DeliveryState.NEEDS_CHECK),
        data=lambda cast, kwargs: {"outcome": "failed"},
    ),
]
