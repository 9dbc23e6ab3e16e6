from datetime import timedelta

from django.utils import timezone

from apps.crisis.models import Blackout, BlackoutKind
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from tests.factories import ChannelFactory, PostFactory
from tests.permissions import FORBIDDEN, admins, reviewers


def _paused_post(cast):
    post = PostFactory(
        author=cast["editor"],
        status=PostStatus.PAUSED,
        planned_at=timezone.now() + timedelta(days=1),
        channels=[ChannelFactory()],
    )
    return {"pk": post.pk}


def _sent_delivery(cast):
    post = PostFactory(
        author=cast["editor"],
        status=PostStatus.PUBLISHED,
        planned_at=timezone.now() - timedelta(hours=1),
        channels=[ChannelFactory()],
    )
    delivery = Delivery.objects.create(
        variant=post.variants.get(),
        due_at=post.planned_at,
        state=DeliveryState.SENT,
        sent_at=post.planned_at,
        external_id="1",
    )
    return {"pk": delivery.pk}


def _blackout(cast):
    blackout = Blackout.objects.create(
        kind=BlackoutKind.MOURNING,
        reason="Lutto cittadino",
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=4),
    )
    return {"pk": blackout.pk}


def _blackout_data(cast, kwargs):
    return {
        "kind": BlackoutKind.MOURNING,
        "reason": "Lutto cittadino",
        "starts_at": "2030-01-10T00:00",
        "ends_at": "2030-01-11T00:00",
    }


ROWS = [
    reviewers("crisis:dashboard"),
    reviewers("crisis:history"),
    reviewers("crisis:recovery"),
    # An empty declaration: 400 for the allowed roles, nothing declared.
    reviewers("crisis:declare", method="POST", approver="400", admin="400"),
    # No crisis open: a message and back to the dashboard (end: to the recovery screen).
    reviewers("crisis:end", method="POST"),
    reviewers("crisis:change_scope", method="POST"),
    reviewers("crisis:bulk", method="POST", approver="400", admin="400"),
    reviewers("crisis:delete_delivery", method="POST", make_kwargs=_sent_delivery),
    reviewers("crisis:resume", method="POST", make_kwargs=_paused_post),
    reviewers(
        "crisis:reschedule",
        method="POST",
        make_kwargs=_paused_post,
        data=lambda cast, kwargs: {"planned_at": "2030-01-01T10:00"},
    ),
    reviewers("crisis:cancel", method="POST", make_kwargs=_paused_post),
    reviewers("crisis:blackout_list"),
    reviewers("crisis:blackout_detail", make_kwargs=_blackout),
    admins("crisis:blackout_create"),
    admins("crisis:blackout_create", method="POST", data=_blackout_data, label=" valid"),
    admins("crisis:blackout_update", make_kwargs=_blackout),
    admins("crisis:blackout_update", method="POST", make_kwargs=_blackout, data=_blackout_data),
    admins("crisis:blackout_delete", method="POST", make_kwargs=_blackout, approver=FORBIDDEN),
]
