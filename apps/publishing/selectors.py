"""Reads of the publishing engine, with what the pages show preloaded."""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.planning.enums import PostStatus

from .enums import DeliveryState as D
from .models import Delivery


def _with_relations(queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
    return queryset.select_related("variant__post", "variant__channel")


def deliveries_for_post(*, post_id: int) -> list[Delivery]:
    """One row per channel of the post, in channel order (the post page's table)."""
    return list(
        _with_relations(Delivery.objects.filter(variant__post_id=post_id)).order_by(
            "variant__channel__name", "id"
        )
    )


def due_soon(*, now: datetime | None = None, hours: int = 24) -> QuerySet[Delivery]:
    """Waiting or in flight, due before ``now + hours`` (overdue ones included)."""
    now = now or timezone.now()
    return _with_relations(
        Delivery.objects.filter(
            state__in=(D.WAITING, D.QUEUED, D.SENDING),
            due_at__lt=now + timedelta(hours=hours),
            variant__post__status__in=(
                PostStatus.APPROVED,
                PostStatus.PARTLY_FAILED,
                PostStatus.PAUSED,
            ),
        )
    ).order_by("due_at", "id")


def failing() -> QuerySet[Delivery]:
    """Failed, or waiting for a retry after an error."""
    return _with_relations(
        Delivery.objects.filter(
            Q(state=D.FAILED) | Q(state=D.WAITING, attempts__gt=0, last_error__gt="")
        ).exclude(variant__post__status=PostStatus.CANCELLED)
    ).order_by("-due_at", "id")


def needing_check() -> QuerySet[Delivery]:
    """Interrupted sends whose outcome a person must verify on the channel."""
    return _with_relations(Delivery.objects.filter(state=D.NEEDS_CHECK)).order_by("due_at", "id")


def problems() -> QuerySet[Delivery]:
    """Failed or to check, newest first (the home page's alert)."""
    return _with_relations(
        Delivery.objects.filter(state__in=(D.FAILED, D.NEEDS_CHECK)).exclude(
            variant__post__status=PostStatus.CANCELLED
        )
    ).order_by("-due_at", "id")


def problem_count() -> int:
    """For a badge on the home page: failed or to check."""
    return problems().count()


def channel_names_already_sent(variant_ids: list[int]) -> list[str]:
    """Channels of these variants whose delivery is sending, sent or may have been sent."""
    if not variant_ids:
        return []
    gone = (
        Delivery.objects.filter(variant_id__in=variant_ids)
        .exclude(state__in=[D.WAITING, D.CANCELLED, D.FAILED])
        .select_related("variant__channel")
    )
    return sorted(delivery.variant.channel.name for delivery in gone)
