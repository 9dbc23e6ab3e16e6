"""The claim: due deliveries waiting -> queued, in batches, through the gate (beat's
``publishing.dispatch_due``)."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.channels.connections import access_token_for
from apps.crisis.gate import ClaimGate
from apps.planning.enums import PostStatus
from apps.planning.transitions import TransitionError, transition

from .enums import DISPATCHABLE_POST_STATES, FailureKind
from .enums import DeliveryState as D
from .following import sync_post_status
from .models import Delivery
from .transitions import move, move_many

logger = logging.getLogger(__name__)


def _waiting_for_dispatch():
    """The rows the dispatcher looks at: waiting, of a post that may go out."""
    return Delivery.objects.filter(
        state=D.WAITING, variant__post__status__in=DISPATCHABLE_POST_STATES
    )


def _due_queryset(now: datetime):
    return (
        _waiting_for_dispatch()
        .filter(due_at__lte=now)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .select_related("variant__post__category", "variant__channel__connection")
        .order_by("due_at", "id")
    )


def next_due_within(*, seconds: float, now: datetime | None = None) -> datetime | None:
    """The earliest planned time of a waiting delivery in ``(now, now + seconds]``: the
    moment beat's next tick would come too late for."""
    now = now or timezone.now()
    return (
        _waiting_for_dispatch()
        .filter(due_at__gt=now, due_at__lte=now + timedelta(seconds=seconds))
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )


def late_beyond_tolerance(delivery: Delivery, now: datetime) -> bool:
    """Held past its channel's tolerance (crisis, blackout, outage, retries): sending now
    would be a decision nobody took."""
    tolerance = timedelta(minutes=delivery.variant.channel.late_tolerance_minutes)
    return now - delivery.due_at > tolerance


def channel_not_ready(channel) -> str | None:
    """Why a channel connected by login cannot publish now (it must be reconnected)."""
    if access_token_for(channel) == "":
        return _("In attesa: canale da ricollegare.")
    return None


def _why_held_for_person(
    delivery: Delivery,
    now: datetime,
    gate_reason: str | None,
    not_ready: str | None,
    *,
    gate: ClaimGate,
) -> str:
    """Why a due delivery must wait for a person rather than go out, or "".

    ``gate_reason``: what the crisis gate said; ``not_ready``: what :func:`channel_not_ready`
    said (both already asked by the caller); ``gate``: the claim's batch gate."""
    own_time = gate.blackout_over_planned_time(delivery.variant, planned_at=delivery.due_at)
    if own_time:
        return own_time
    channel = delivery.variant.channel
    if gate_reason is None and (delivery.waited_for_reconnect or not_ready):
        # Waiting for a reconnect has the channel's own, longer grace: a person is on it.
        grace = timedelta(minutes=max(channel.reconnect_grace_minutes, 0))
        if now - delivery.due_at > grace:
            return _(
                "Il canale è rimasto da ricollegare oltre %(minutes)d minuti dall'orario "
                "previsto: non esce più da solo, serve una decisione."
            ) % {"minutes": channel.reconnect_grace_minutes}
        return ""
    if late_beyond_tolerance(delivery, now):
        minutes = delivery.variant.channel.late_tolerance_minutes
        text = _(
            "Non è partito entro %(minutes)d minuti dall'orario previsto: non esce più da "
            "solo, serve una decisione."
        ) % {"minutes": minutes}
        return f"{text} ({gate_reason})" if gate_reason else text
    return ""


def _hold_for_person(delivery: Delivery, reason: str) -> bool:
    """The post pauses (like posts caught by a crisis): a person reschedules or cancels it.

    A partly failed post cannot pause: that delivery fails, for a person's "Riprova ora".
    Returns whether the post paused (its other deliveries then wait with it).
    """
    post = delivery.variant.post
    Delivery.objects.filter(pk=delivery.pk, state=D.WAITING).update(last_error=reason)
    if post.status == PostStatus.APPROVED:
        try:
            transition(post, PostStatus.PAUSED, action="post.paused_held", note=reason)
        except TransitionError as exc:  # changed meanwhile: it is not dispatchable either way
            logger.warning("Post %s not paused: %s", post.pk, exc)
        return True
    if move(
        delivery,
        D.WAITING,
        D.FAILED,
        action="delivery.held_for_person",
        summary=reason,
        last_error=reason,
        failure_kind=FailureKind.HELD,
    ):
        sync_post_status(post=post)
    return False


def claim_due(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Move due, allowed deliveries waiting -> queued and return their ids.

    Rows the crisis gate blocks stay waiting (their reason is kept in ``last_error``), until
    their channel's tolerance runs out; a row whose own time falls in a blackout, or that is
    late beyond the tolerance, is never sent by itself: its post pauses for a person.
    The batch is read once: the candidates (on PostgreSQL locked FOR UPDATE SKIP LOCKED, so a
    concurrent tick takes other rows; on SQLite the transaction holds the write lock from
    BEGIN), then the gate (:class:`~apps.crisis.gate.ClaimGate`: the crisis state and the
    blackouts, once). One UPDATE claims all the allowed rows and one INSERT writes their
    audit entries (:func:`~apps.publishing.transitions.move_many`).
    """
    now = now or timezone.now()
    limit = limit or settings.PUBLISHING_CLAIM_BATCH
    if not _due_queryset(now).exists():  # the usual tick: nothing due, no lock taken
        return []
    with transaction.atomic():
        # The crisis state before the rows: the order a declaration takes its locks in.
        gate = ClaimGate(at=now)
        candidates = _due_queryset(now)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        candidates = list(candidates[:limit])
        if not candidates:
            return []
        gate.load_blackouts(since=min(delivery.due_at for delivery in candidates))
        allowed: list[Delivery] = []
        paused_posts: set[int] = set()
        for delivery in candidates:
            if delivery.variant.post_id in paused_posts:
                continue
            reason = gate.blocked_reason(delivery.variant)
            not_ready = None if reason else channel_not_ready(delivery.variant.channel)
            held = _why_held_for_person(delivery, now, reason, not_ready, gate=gate)
            if held:
                if _hold_for_person(delivery, held):
                    paused_posts.add(delivery.variant.post_id)
            elif reason or not_ready:
                if delivery.last_error != (reason or not_ready):
                    # Not a move: the row stays waiting, with the reason on show.
                    Delivery.objects.filter(pk=delivery.pk, state=D.WAITING).update(
                        last_error=reason or not_ready,
                        **({"waited_for_reconnect": True} if not_ready else {}),
                    )
            else:
                allowed.append(delivery)
        allowed = [d for d in allowed if d.variant.post_id not in paused_posts]
        claimed = move_many(allowed, D.WAITING, D.QUEUED, action="delivery.queued", queued_at=now)
    return [delivery.pk for delivery in claimed]
