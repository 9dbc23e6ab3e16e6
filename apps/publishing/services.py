"""Writes of the publishing engine. The database is the truth; see docs/publishing.md.

A delivery moves waiting -> queued (claim_due) -> sending (send_delivery, transaction 1) ->
sent / waiting (retry) / failed / needs_check (send_delivery, transaction 2). Every move is a
conditional UPDATE on the state the mover expects, so a repeated or lost broker message, a
second worker or a second beat tick can never send the same delivery twice.
"""

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.channels.connections import access_token_for
from apps.crisis.gate import ClaimGate, blackout_over_planned_time, sending_blocked_reason
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.transitions import TransitionError, transition

from .adapters.base import (
    Adapter,
    ImagePayload,
    PermanentError,
    PublishRequest,
    PublishResult,
    TransientError,
    UnknownOutcome,
)
from .enums import DeliveryState as D
from .enums import FailureKind
from .models import Delivery
from .transitions import move, move_many

logger = logging.getLogger(__name__)

# Post states whose deliveries may start sending (PARTLY_FAILED: retries of the rest).
DISPATCHABLE_POST_STATES = (PostStatus.APPROVED, PostStatus.PARTLY_FAILED)
TERMINAL_STATES = frozenset({D.SENT, D.FAILED, D.CANCELLED})
IN_FLIGHT_STATES = frozenset({D.QUEUED, D.SENDING})
# What (re-)approval may move to the post's new time: nothing has left for the channel yet.
RESCHEDULABLE_STATES = frozenset({D.WAITING, D.QUEUED, D.CANCELLED})


class DeliveryActionError(Exception):
    """A person's action that does not fit the delivery's state; the message is shown."""


def _get_adapter(kind: str) -> Adapter:
    """The adapter of a channel kind (the registry is imported late: it loads HTTP clients)."""
    from .adapters.registry import get_adapter

    return get_adapter(kind)


def _can_reconcile(kind: str) -> bool:
    try:
        return _get_adapter(kind).can_reconcile
    except Exception:
        logger.exception("No adapter for channel kind %s", kind)
        return False


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


# --- Claiming -----------------------------------------------------------------------------


def _due_queryset(now: datetime):
    return (
        Delivery.objects.filter(
            state=D.WAITING,
            due_at__lte=now,
            variant__post__status__in=DISPATCHABLE_POST_STATES,
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .select_related("variant__post__category", "variant__channel__connection")
        .order_by("due_at", "id")
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
    gate: ClaimGate | None = None,
) -> str:
    """Why a due delivery must wait for a person rather than go out, or "".

    ``gate_reason``: what the crisis gate said; ``not_ready``: what :func:`channel_not_ready`
    said (both already asked by the caller); ``gate``: the claim's batch gate, if any."""
    if gate is not None:
        own_time = gate.blackout_over_planned_time(delivery.variant, planned_at=delivery.due_at)
    else:
        own_time = blackout_over_planned_time(delivery.variant, planned_at=delivery.due_at)
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
    with transaction.atomic():
        candidates = _due_queryset(now)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        candidates = list(candidates[:limit])
        if not candidates:
            return []
        gate = ClaimGate(at=now, since=min(delivery.due_at for delivery in candidates))
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


# --- Sending ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendOutcome:
    delivery_id: int
    state: str  # the delivery's state after this call, or "skipped"
    detail: str = ""


def send_delivery(*, delivery_id: int, now: datetime | None = None) -> SendOutcome:
    """Send one queued delivery: claim it, call the adapter outside any transaction, record.

    Safe to call twice or for a vanished row: only a delivery in state ``queued`` is sent,
    and only by the caller whose conditional UPDATE moved it to ``sending``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_related(
                "variant__post__category",
                "variant__channel__credential",
                "variant__channel__connection",
            )
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.state != D.QUEUED:
            return SendOutcome(delivery_id, "skipped", "not queued")
        post = delivery.variant.post
        reason = sending_blocked_reason(delivery.variant, at=now)
        if reason is None:
            not_ready = channel_not_ready(delivery.variant.channel)
            # Its message came late (a worker outage), or its channel must be reconnected:
            # back to waiting, and the next claim pauses it if it is late.
            reason = _why_held_for_person(delivery, now, None, not_ready) or not_ready
        if reason is None and post.status not in DISPATCHABLE_POST_STATES:
            reason = _("Il post non è più approvato (%(status)s).") % {
                "status": post.get_status_display()
            }
        if reason:
            # A cancelled post never goes out: its delivery must not wait forever either.
            held = D.CANCELLED if post.status == PostStatus.CANCELLED else D.WAITING
            move(
                delivery,
                D.QUEUED,
                held,
                action="delivery.cancelled" if held == D.CANCELLED else "delivery.held",
                summary=reason,
                queued_at=None,
                last_error=reason,
            )
            return SendOutcome(delivery_id, held, reason)
        if not move(
            delivery,
            D.QUEUED,
            D.SENDING,
            action="delivery.sending",
            where={"variant__post__status__in": DISPATCHABLE_POST_STATES},
            sending_started_at=now,
            attempts=F("attempts") + 1,
        ):
            return SendOutcome(delivery_id, "skipped", "claimed elsewhere")
        delivery.attempts += 1
        # Built inside the claim: text, images and settings are those of the approved post
        # the gate just allowed, not of an edit committed after it.
        try:
            adapter = _get_adapter(delivery.variant.channel.kind)
            request = build_publish_request(delivery)
        except Exception as exc:  # nothing was sent: an unknown kind or a broken configuration
            logger.exception("Cannot prepare delivery %s", delivery_id)
            preparation_error = f"{type(exc).__name__}: {exc}"
        else:
            preparation_error = ""

    if preparation_error:
        return _record_failed(delivery, preparation_error, kind=FailureKind.CONFIGURATION)
    try:
        result = None
        if delivery.needs_reconcile and adapter.can_reconcile:
            result = adapter.find_existing(request)
        if result is None:
            result = adapter.publish(request)
    except TransientError as exc:
        return _record_transient(delivery, exc)
    except PermanentError as exc:
        kind = FailureKind.CONFIGURATION if exc.is_configuration else FailureKind.REJECTED
        return _record_failed(delivery, _error_text(exc), kind=kind)
    except UnknownOutcome as exc:
        return _record_unknown(delivery, adapter, request, _error_text(exc))
    except Exception as exc:  # a bug or a soft time limit: the request may have left
        # Not logged with its traceback: a URL in it could carry the secret (Telegram).
        logger.error("Adapter %s crashed on delivery %s: %s", adapter.kind, delivery_id, type(exc))
        error = f"{type(exc).__name__}: {exc}"
        if request.secret:
            error = error.replace(request.secret, "[segreto]")
        return _record_unknown(delivery, adapter, request, error)
    return _record_sent(delivery, result)


def build_publish_request(delivery: Delivery) -> PublishRequest:
    variant = delivery.variant
    post = variant.post
    channel = variant.channel
    credential = getattr(channel, "credential", None)
    token = access_token_for(channel)
    images = tuple(
        ImagePayload(
            path=image.image.path,
            url=settings.SITE_URL + image.image.url,
            alt_text=image.alt_text,
        )
        for image in post.images.all()
    )
    return PublishRequest(
        delivery_id=delivery.pk,
        idempotency_key=str(delivery.idempotency_key),
        text=variant.text or post.base_text,
        title=post.title,
        link=post.link,
        images=images,
        config=dict(channel.config or {}),
        secret=token if token is not None else (credential.secret if credential else ""),
        # An earlier attempt started at sending_started_at (as loaded, before this attempt
        # moved it) or, for a first one, after due_at: a lookup need not look further back.
        not_before=min(filter(None, (delivery.due_at, delivery.sending_started_at))),
    )


def _error_text(exc: Exception) -> str:
    status = getattr(exc, "status", None)
    text = str(exc) or type(exc).__name__
    return f"HTTP {status}: {text}" if status else text


def retry_delay(*, attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter, never sooner than the service's Retry-After."""
    base = settings.PUBLISHING_RETRY_BASE_SECONDS
    delay = min(base * 2 ** max(attempts - 1, 0), settings.PUBLISHING_RETRY_MAX_SECONDS)
    delay = delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return delay


# A database restart or failover lasts seconds: the outcome of a send is kept in memory and
# written again after each of these pauses (with jitter) before the worker gives up. Short
# enough that an adapter call (30 s at most) and every pause fit in the soft time limit (60 s).
DATABASE_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


def with_database_retry(function, /, *args, what: str = "", **kwargs):
    """``function(*args, **kwargs)``, called again with backoff when the database connection
    fails (``OperationalError``, ``InterfaceError``); the last error is raised.

    Only for work that is safe to run twice: conditional UPDATEs, nothing sent in between.
    """
    for delay in (*DATABASE_RETRY_DELAYS, None):
        try:
            return function(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            if delay is None:
                raise
            logger.warning(
                "%s: database error (%s: %s), again in %.1f s",
                what or function.__name__,
                type(exc).__name__,
                exc,
                delay,
            )
            if not connection.in_atomic_block:
                connection.close()  # the next query opens a fresh connection
            time.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 - jitter


def _finish(delivery: Delivery, target: str, action: str, *, summary: str = "", **fields):
    """Transaction 2, retried while the database is briefly away: the request has already
    gone to the channel, so its outcome must not be lost to a restart (``_finish_once``)."""
    return with_database_retry(
        _finish_once,
        delivery,
        target,
        action,
        summary=summary,
        what=f"Recording delivery {delivery.pk}",
        **fields,
    )


def _finish_once(delivery: Delivery, target: str, action: str, *, summary: str = "", **fields):
    """Move sending -> target, audit, and let the post follow its deliveries.

    The post row is locked first so two deliveries of one post finishing at once see each
    other's outcome (on SQLite writers are serialised anyway).
    """
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=delivery.variant.post_id)
        moved = move(delivery, D.SENDING, target, action=action, summary=summary, **fields)
        # The sweeper judged us dead meanwhile: a success still wins over "needs check" (or
        # over the reconcile it queued, or the retry that followed).
        if not moved and target == D.SENT:
            moved = any(
                move(delivery, state, target, action=action, summary=summary, **fields)
                for state in (D.NEEDS_CHECK, D.QUEUED, D.WAITING)
            )
        if not moved:
            logger.warning("Delivery %s left sending meanwhile; %s not saved", delivery.pk, target)
            return SendOutcome(delivery.pk, "skipped", "left sending meanwhile")
        sync_post_status(post=post)
    if target in (D.FAILED, D.NEEDS_CHECK):
        transaction.on_commit(lambda: _notify_problem(delivery_id=delivery.pk))
    return SendOutcome(delivery.pk, target, summary)


def _public_url(url: str) -> str:
    """The item's address as the service gave it, kept only if it is a plain web address
    (it becomes a link on our pages: never a ``javascript:`` or ``data:`` URL)."""
    url = (url or "").strip()
    return url[:500] if url.lower().startswith(("https://", "http://")) else ""


def _record_sent(delivery: Delivery, result: PublishResult) -> SendOutcome:
    url = _public_url(result.url)
    return _finish(
        delivery,
        D.SENT,
        "delivery.sent",
        summary=url or result.external_id,
        sent_at=timezone.now(),
        external_id=(result.external_id or "")[:200],
        external_url=url,
        last_error="",
        needs_reconcile=False,
    )


def _record_transient(
    delivery: Delivery, exc: TransientError, *, needs_reconcile: bool = False
) -> SendOutcome:
    """Back to ``waiting`` with backoff. ``needs_reconcile``: the failed request may still
    surface on the service, so the next attempt looks the item up before publishing."""
    error = _error_text(exc)
    if delivery.attempts >= settings.PUBLISHING_MAX_ATTEMPTS:
        return _record_failed(
            delivery,
            _("%(error)s (tentativi esauriti)") % {"error": error},
            action="delivery.gave_up",
            kind=FailureKind.EXHAUSTED,
        )
    delay = retry_delay(attempts=delivery.attempts, retry_after=exc.retry_after)
    return _finish(
        delivery,
        D.WAITING,
        "delivery.retry_scheduled",
        summary=error,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        queued_at=None,
        last_error=error,
        **({"needs_reconcile": True} if needs_reconcile else {}),
    )


def _record_failed(
    delivery: Delivery, error: str, *, kind: FailureKind, action: str = "delivery.failed"
):
    return _finish(delivery, D.FAILED, action, summary=error, last_error=error, failure_kind=kind)


def _record_unknown(delivery, adapter: Adapter, request: PublishRequest, error: str):
    """The request may have reached the service: never resend blindly."""
    if adapter.can_reconcile:
        try:
            existing = adapter.find_existing(request)
        except Exception as exc:  # the lookup failed too: a person decides
            logger.warning("Reconciling delivery %s failed: %s", delivery.pk, exc)
        else:
            if existing is not None:
                return _record_sent(delivery, existing)
            # Not there (yet): the resend carries the same idempotency key and looks it up
            # again first, in case the lost request surfaces on the service meanwhile.
            return _record_transient(delivery, TransientError(error), needs_reconcile=True)
    return _finish(delivery, D.NEEDS_CHECK, "delivery.needs_check", summary=error, last_error=error)


# --- The post follows its deliveries ------------------------------------------------------


def post_status_for(states: list[str]) -> str | None:
    """The post status its deliveries imply, or None while it should stay as it is."""
    states = [s for s in states if s != D.CANCELLED]
    if not states:
        return None
    sent = states.count(D.SENT)
    failed = states.count(D.FAILED)
    if sent == len(states):
        return PostStatus.PUBLISHED
    if failed == len(states):
        return PostStatus.FAILED
    if failed:
        return PostStatus.PARTLY_FAILED
    return None


def sync_post_status(*, post: Post, by=None) -> Post:
    """Moves the post to published / partly failed / failed as its deliveries say."""
    states = list(Delivery.objects.filter(variant__post=post).values_list("state", flat=True))
    target = post_status_for(states)
    if target is None or target == post.status:
        return post
    if post.status not in (
        PostStatus.APPROVED,
        PostStatus.PARTLY_FAILED,
        PostStatus.FAILED,
    ):
        logger.warning("Post %s is %s: its status does not follow deliveries", post.pk, post.status)
        return post
    try:
        return transition(post, target, by=by, note=_("Stato degli invii aggiornato."))
    except TransitionError as exc:
        logger.warning("Post %s: %s", post.pk, exc)
        return post


# --- The sweeper --------------------------------------------------------------------------


# Beyond the hard time limit, a margin for the clocks of the worker and of the sweeper.
SENDING_TIMEOUT_MARGIN_SECONDS = 2.0


def sending_timeout() -> float:
    """Seconds after which a ``sending`` row belongs to a dead worker.

    Never less than Celery's hard time limit plus a margin, whatever is configured: a slow
    but alive worker is killed by that limit first, so the sweeper can never race it into a
    second send. (Time limits need the prefork pool, Celery's default.)
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
    from apps.core.health import worker_stale_seconds
    from apps.core.models import Heartbeat

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
    ``waiting`` (the next tick claims it again, through the crisis gate). ``sending`` longer
    than PUBLISHING_SENDING_TIMEOUT (beyond Celery's hard time limit, so its worker is surely
    gone): the request may have left, so ``needs_check``; if the channel can reconcile
    (idempotency key or lookup), ``queued`` with ``needs_reconcile`` for a safe resend.
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
        stale_sending = Delivery.objects.filter(
            state=D.SENDING, sending_started_at__lt=sending_cutoff
        ).select_related("variant__post", "variant__channel")
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


# --- What people do -----------------------------------------------------------------------


def retry_delivery(*, delivery: Delivery, by) -> Delivery:
    """ "Riprova ora": a failed, to-check or backing-off delivery is due again at once.

    For one to check, the person has verified that the item is not on the channel.
    """
    if delivery.state not in (D.FAILED, D.NEEDS_CHECK, D.WAITING):
        raise DeliveryActionError(_("Questo invio non si può ripetere ora."))
    if delivery.state == D.FAILED and not delivery.failure.can_retry:
        raise DeliveryActionError(delivery.failure.what_to_do)
    before = delivery.state
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=delivery.variant.post_id)
        if post.status != PostStatus.FAILED and post.status not in DISPATCHABLE_POST_STATES:
            raise DeliveryActionError(_("Il post non è approvato: non si può inviare."))
        # Conditional on the state the person saw: a send in flight (queued, sending) or one
        # that finished meanwhile is never touched, so "Riprova ora" cannot send twice.
        # needs_reconcile is kept: an earlier send may have reached the channel, so the new
        # attempt still looks the item up first where the channel allows it.
        # The person's "Riprova ora" is the decision to send now: lateness counts from it.
        if not move(
            delivery,
            before,
            D.WAITING,
            action="delivery.retry_requested",
            by=by,
            next_attempt_at=None,
            queued_at=None,
            due_at=timezone.now(),
            failure_kind=FailureKind.NONE,
        ):
            raise DeliveryActionError(_("L'invio è cambiato nel frattempo: ricarica la pagina."))
        if post.status == PostStatus.FAILED:
            # Reopened: approved, or partly failed while other channels still show an error.
            states = Delivery.objects.filter(variant__post=post).values_list("state", flat=True)
            target = post_status_for(list(states)) or PostStatus.APPROVED
            transition(post, target, by=by, note=_("Nuovo tentativo di invio."))
    return delivery


def dismiss_failed_delivery(*, delivery: Delivery, by) -> Delivery:
    """A person closes a failed delivery: it will not go out. The post then shows what did
    (published where the others went out; cancelled when nothing did)."""
    if delivery.state != D.FAILED:
        raise DeliveryActionError(_("Si può chiudere solo un invio fallito."))
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=delivery.variant.post_id)
        if not move(delivery, D.FAILED, D.CANCELLED, action="delivery.dismissed", by=by):
            raise DeliveryActionError(_("L'invio è cambiato nel frattempo: ricarica la pagina."))
        states = list(Delivery.objects.filter(variant__post=post).values_list("state", flat=True))
        if post.status == PostStatus.FAILED and all(s == D.CANCELLED for s in states):
            transition(post, PostStatus.CANCELLED, by=by, note=_("Invii falliti chiusi."))
        else:
            sync_post_status(post=post, by=by)
    return delivery


def resolve_checked_delivery(*, delivery: Delivery, by, sent: bool, url: str = "") -> Delivery:
    """A person looked at the channel: the item is there (sent) or not (failed)."""
    if delivery.state != D.NEEDS_CHECK:
        raise DeliveryActionError(_("Questo invio non è da verificare."))
    target = D.SENT if sent else D.FAILED
    fields = {"needs_reconcile": False}
    if sent:
        fields.update(sent_at=timezone.now(), external_url=_public_url(url), last_error="")
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=delivery.variant.post_id)
        if not move(
            delivery,
            D.NEEDS_CHECK,
            target,
            action="delivery.checked_sent" if sent else "delivery.checked_failed",
            by=by,
            summary=url,
            **fields,
        ):
            raise DeliveryActionError(_("L'invio è cambiato nel frattempo: ricarica la pagina."))
        sync_post_status(post=post, by=by)
    return delivery


# --- Helpers ------------------------------------------------------------------------------


def _post_url(post: Post) -> str:
    from django.urls import NoReverseMatch

    try:
        return settings.SITE_URL + post.get_absolute_url()
    except NoReverseMatch:
        return settings.SITE_URL


def _notify_problem(*, delivery_id: int) -> None:
    """Emails the author and the approvers about a failed or to-check delivery."""
    from django.contrib.auth.models import User

    from apps.accounts.roles import Role

    delivery = (
        Delivery.objects.select_related("variant__post__author", "variant__channel")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return
    post = delivery.variant.post
    recipients = set(
        User.objects.filter(
            groups__name__in=[Role.APPROVER.value, Role.ADMIN.value], is_active=True
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if post.author.email:
        recipients.add(post.author.email)
    if not recipients:
        return
    subject = _("Invio non riuscito: %(title)s su %(channel)s") % {
        "title": post.title,
        "channel": delivery.variant.channel,
    }
    body = _(
        "L'invio del post «%(title)s» sul canale %(channel)s è nello stato «%(state)s».\n"
        "Errore: %(error)s\n\nApri il post: %(url)s\n"
    ) % {
        "title": post.title,
        "channel": delivery.variant.channel,
        "state": delivery.get_state_display(),
        "error": delivery.last_error or "—",
        "url": _post_url(post),
    }
    try:
        send_mail(subject, body, None, sorted(recipients))
    except Exception:  # mail trouble must not undo a recorded outcome
        logger.exception("Could not notify about delivery %s", delivery_id)
