from datetime import timedelta

from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery, ShortLink
from tests.factories import ChannelFactory, PostFactory
from tests.permissions import author_only, public, reviewers, staff


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


def _short_link(cast):
    link, _created = ShortLink.objects.get_or_create(
        code="perm1234", defaults={"url": "https://www.comune.esempio.it/"}
    )
    return {"code": link.code}


ROWS = [
    public("follow_link", make_kwargs=_short_link),
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


def _correction_outcome(cast):
    """A failed update of an approved correction of the editor's post."""
    from apps.publishing.models import Correction, CorrectionOutcome

    post = PostFactory(
        author=cast["editor"],
        status=PostStatus.PUBLISHED,
        planned_at=timezone.now() - timedelta(minutes=5),
        channels=[ChannelFactory(name="Sito comunale")],
    )
    delivery = Delivery.objects.create(
        variant=post.variants.get(),
        due_at=post.planned_at,
        state=DeliveryState.SENT,
        external_id="1",
    )
    correction = Correction.objects.create(
        post=post, proposed_by=cast["editor"], base_version=1, status="approved"
    )
    outcome = CorrectionOutcome.objects.create(
        correction=correction, delivery=delivery, status="failed", error="HTTP 500"
    )
    return {"pk": outcome.pk}


ROWS += [
    author_only("publishing:correction_retry", method="POST", make_kwargs=_correction_outcome),
]
