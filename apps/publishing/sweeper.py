"""The sweeper: rows left in flight by a lost message or a dead worker
(``publishing.sweep_stuck``)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.models import Heartbeat
from apps.planning.enums import PostStatus

from .enums import DeliveryState as D
from .health import worker_stale_seconds
from .models import Delivery
from .notifications import _notify_problem
from .sending import _can_reconcile
from .transitions import move

# Beyond the hard time limit, a margin for the clocks of the worker and of the sweeper.
SENDING_TIMEOUT_MARGIN_SECONDS = 2.0


def sending_timeout() -> float:
    """Seconds after which a ``sending`` row *without a lease* belongs to a dead worker
    (rows moved to sending before leases existed; every send now takes a lease, see
    publishing/leases.py).

    Never less than Celery's hard time limit plus a margin, whatever is configured: a slow
    but alive prefork worker is killed by that limit first.
    """
    floor = float(settings.CELERY_TASK_TIME_LIMIT or 0) + SENDING_TIMEOUT_MARGIN_SECONDS
    return max(float(settings.PUBLISHING_SENDING_TIMEOUT), floor)


@dataclass
class SweepResult:
    requeued: list[int]  # queued too long (lost broker message): back to waiting
    resend: list[int]  # interrupted on a channel that can reconcile: queued again
    needs_check: list[int]  # interrupted elsewhere: a person decides
    rewoken: list[int] = field(default_factory=list)  # wake-up lost: sent again, still queued


# A queued row whose wake-up a worker should have taken by now gets a second one.
LOST_WAKEUP_SECONDS = 15.0
# Workers take wake-ups in the order they were sent, give or take what several workers have
# in hand at once and the clocks of the machines: a later wake-up taken this long ago proves
# an earlier one lost.
LOST_WAKEUP_GRACE_SECONDS = 5.0
LOST_WAKEUP_BATCH = 100


def _sends_worker_alive(now: datetime) -> bool:
    """A worker of the sends queue wrote its heartbeat within the health limit: a second
    wake-up can be taken (none is piled up for workers that are all down)."""
    return Heartbeat.objects.filter(
        role="worker",
        queues__contains="sends",
        seen_at__gte=now - timedelta(seconds=worker_stale_seconds()),
    ).exists()


def _lost_wakeups(now: datetime) -> list[Delivery]:
    """``queued`` rows whose broker message was lost, found in seconds rather than after
    PUBLISHING_QUEUED_TIMEOUT (docs/publishing.md, "Lost messages"):

    - passed by: a wake-up sent after this row's was taken by a worker more than a grace
      ago (the queue is first in, first out), so this row's is gone;
    - the head of a still queue: the row waits longer than LOST_WAKEUP_SECONDS and no
      delivery at all started in that time, though a worker of the sends queue is alive.

    A wrong guess costs one more message, which the claim makes harmless (the first one to
    arrive sends; the other finds the row no longer ``queued``): the state is not changed,
    only ``queued_at`` moves to now, so each row is woken again at most once per period.
    """
    cutoff = now - timedelta(seconds=LOST_WAKEUP_SECONDS)
    grace_cutoff = now - timedelta(seconds=LOST_WAKEUP_GRACE_SECONDS)
    stale = list(
        Delivery.objects.filter(state=D.QUEUED, queued_at__lt=grace_cutoff)
        .select_related("variant")
        .order_by("queued_at", "id")[:LOST_WAKEUP_BATCH]
    )
    if not stale:
        return []
    started_since = Delivery.objects.filter(sending_started_at__gte=stale[0].queued_at)
    # The latest wake-up a worker took (its row started sending after it was queued).
    frontier = started_since.filter(
        sending_started_at__gte=F("queued_at"), sending_started_at__lt=grace_cutoff
    ).aggregate(latest=Max("queued_at"))["latest"]
    lost = [d for d in stale if frontier is not None and d.queued_at < frontier]
    if not lost:
        last_start = started_since.aggregate(latest=Max("sending_started_at"))["latest"]
        if (last_start is None or last_start < cutoff) and _sends_worker_alive(now):
            lost = [d for d in stale if d.queued_at < cutoff]
    return lost


def sweep_stuck(*, now: datetime | None = None) -> SweepResult:
    """Rows left in flight by a lost message or a dead worker.

    ``queued`` longer than PUBLISHING_QUEUED_TIMEOUT: the wake-up was lost, so back to
    ``waiting`` (the next tick claims it again, through the crisis gate). ``sending`` whose
    lease ran out (the process renewing it is gone, so nothing of it still talks to the
    channel; publishing/leases.py): the request may have left, so ``needs_check``; if the
    channel can reconcile (idempotency key or lookup), ``queued`` with ``needs_reconcile``
    for a safe resend.
    """
    now = now or timezone.now()
    result = SweepResult([], [], [])
    queued_cutoff = now - timedelta(seconds=settings.PUBLISHING_QUEUED_TIMEOUT)
    sending_cutoff = now - timedelta(seconds=sending_timeout())
    with transaction.atomic():
        stale_queued = Delivery.objects.filter(state=D.QUEUED, queued_at__lt=queued_cutoff)
        for delivery in stale_queued.select_related("variant__post"):
            if delivery.variant.post.status == PostStatus.CANCELLED:
                move(delivery, D.QUEUED, D.CANCELLED, action="delivery.cancelled", queued_at=None)
            elif move(delivery, D.QUEUED, D.WAITING, action="delivery.requeued", queued_at=None):
                result.requeued.append(delivery.pk)
        for delivery in _lost_wakeups(now):
            if move(
                delivery,
                D.QUEUED,
                D.QUEUED,
                action="delivery.rewoken",
                where={"queued_at": delivery.queued_at},
                queued_at=now,
            ):
                result.rewoken.append(delivery.pk)
        # Dead: its lease ran out (the process that renewed it is gone); a row moved to
        # sending before leases existed falls back on the time limit.
        lease_cutoff = now - timedelta(seconds=SENDING_TIMEOUT_MARGIN_SECONDS)
        stale_sending = (
            Delivery.objects.filter(state=D.SENDING)
            .filter(
                Q(lease_until__lt=lease_cutoff)
                | Q(lease_until__isnull=True, sending_started_at__lt=sending_cutoff)
            )
            .select_related("variant__post", "variant__channel")
        )
        for delivery in stale_sending:
            interrupted = _("Invio interrotto (processo terminato): esito sconosciuto.")
            if _can_reconcile(delivery.variant.channel.kind):
                if move(
                    delivery,
                    D.SENDING,
                    D.QUEUED,
                    action="delivery.reconcile",
                    summary=interrupted,
                    queued_at=now,
                    needs_reconcile=True,
                    last_error=interrupted,
                ):
                    result.resend.append(delivery.pk)
            elif move(
                delivery,
                D.SENDING,
                D.NEEDS_CHECK,
                action="delivery.needs_check",
                summary=interrupted,
                last_error=interrupted,
            ):
                result.needs_check.append(delivery.pk)
                transaction.on_commit(lambda pk=delivery.pk: _notify_problem(delivery_id=pk))
    return result
