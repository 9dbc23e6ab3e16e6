"""What is planned to go out: deliveries scheduled at approval, cancelled with their post,
stopped for a person when a crisis covers them."""

from django.db import transaction
from django.db.models import Q

from apps.planning.models import Post

from .enums import DISPATCHABLE_POST_STATES, RESCHEDULABLE_STATES, FailureKind
from .enums import DeliveryState as D
from .following import sync_post_status
from .models import Delivery
from .transitions import move


def schedule_deliveries(*, post: Post) -> list[Delivery]:
    """Called when a post is approved: one waiting Delivery per variant, due at the post's time.

    Re-approval (after an edit or a reschedule) moves deliveries not yet started to the new
    time: ``waiting``, ``cancelled`` and also ``queued`` (claimed at the old time, its message
    still on its way: it must not go out before the new time). Each reset is a conditional
    UPDATE, so a row a worker moves to ``sending`` meanwhile is left to finish; ``sending``,
    ``sent``, ``failed`` and ``needs_check`` rows are never reset here (no second send). The
    post then follows its deliveries (e.g. all sent while it was back in review: published).
    """
    deliveries = []
    with transaction.atomic():
        for variant in post.variants.all():
            delivery, created = Delivery.objects.get_or_create(
                variant=variant, defaults={"due_at": post.planned_at}
            )
            if not created and delivery.state in RESCHEDULABLE_STATES:
                if not move(
                    delivery,
                    delivery.state,
                    D.WAITING,
                    action="delivery.rescheduled",
                    due_at=post.planned_at,
                    next_attempt_at=None,
                    queued_at=None,
                    waited_for_reconnect=False,
                ):
                    delivery.refresh_from_db()
            deliveries.append(delivery)
        if post.status in DISPATCHABLE_POST_STATES:
            sync_post_status(post=post)
    return deliveries


def cancel_deliveries(*, post: Post, by=None) -> int:
    """A cancelled post: its unsent deliveries will never go out (sent ones stay sent).

    Only rows not yet in flight are cancelled; one already sending finishes and is recorded.
    """
    with transaction.atomic():
        pending = list(
            Delivery.objects.filter(variant__post=post, state__in=(D.WAITING, D.QUEUED))
            .select_related("variant")
            .order_by("id")
        )
        cancelled = 0
        for delivery in pending:
            if move(
                delivery,
                delivery.state,
                D.CANCELLED,
                action="delivery.cancelled",
                by=by,
                queued_at=None,
            ):
                cancelled += 1
    return cancelled


def stop_held_deliveries(*, scope: Q, by, reason: str) -> list[int]:
    """Pending sends (``waiting``, ``queued``) in ``scope`` whose posts cannot pause (partly
    failed: retries of the rest) become ``failed`` (held) with ``reason``; the crisis asks
    this at its declaration and when its scope widens. Otherwise they would go out by
    themselves, late, once the crisis ends; as failed they wait on the publishing desk for a
    person to press "Riprova ora". Posts marked as crisis communication are not stopped.
    The posts then follow their deliveries (e.g. all failed: "failed"). Returns the ids.
    """
    pending = (
        Delivery.objects.filter(state__in=(D.WAITING, D.QUEUED))
        .filter(variant__post__status__in=DISPATCHABLE_POST_STATES)
        .exclude(variant__post__is_crisis_communication=True)
        .filter(scope)
        .select_related("variant__post")
        .order_by("id")
    )
    stopped = []
    touched_posts = {}
    with transaction.atomic():
        for delivery in pending:
            if move(
                delivery,
                delivery.state,
                D.FAILED,
                action="delivery.stopped_by_crisis",
                by=by,
                summary=reason,
                queued_at=None,
                last_error=reason,
                failure_kind=FailureKind.HELD,
            ):
                stopped.append(delivery.pk)
                touched_posts[delivery.variant.post_id] = delivery.variant.post
        for post in touched_posts.values():
            sync_post_status(post=post, by=by)
    return stopped
