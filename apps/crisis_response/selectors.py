"""Reads of what a crisis touches: posts to pause, deliveries mid-send or already out."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, QuerySet

from apps.crisis.models import Crisis
from apps.crisis.selectors import in_scope_filter
from apps.planning.enums import PostStatus
from apps.planning.models import Post, Variant
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery


def in_scope_posts_to_pause(crisis: Crisis) -> QuerySet:
    """Approved, not crisis communication, with an unsent variant on a channel in scope."""
    unsent_in_scope = (
        Variant.objects.filter(post=OuterRef("pk"))
        .filter(in_scope_filter(crisis, "channel"))
        .exclude(delivery__state=DeliveryState.SENT)
    )
    return (
        Post.objects.filter(status=PostStatus.APPROVED, is_crisis_communication=False)
        .filter(Exists(unsent_in_scope))
        .order_by("planned_at", "pk")
    )


def mid_send_at_declaration(crisis: Crisis) -> list:
    """Deliveries that were already sending when ``crisis`` was declared: someone checks them."""
    if not crisis.mid_send_delivery_ids:
        return []
    return list(
        Delivery.objects.filter(pk__in=crisis.mid_send_delivery_ids)
        .select_related("variant__post", "variant__channel")
        .order_by("sending_started_at", "pk")
    )


def published_in_scope_since(crisis: Crisis, hours: int = 24) -> list:
    """Deliveries sent on in-scope channels in the ``hours`` before the declaration and since."""
    since = crisis.declared_at - timedelta(hours=hours)
    return list(
        Delivery.objects.filter(state=DeliveryState.SENT, sent_at__gte=since, deleted_at=None)
        .filter(in_scope_filter(crisis, "variant__channel"))
        .select_related("variant__post", "variant__channel")
        .order_by("-sent_at", "-pk")
    )
