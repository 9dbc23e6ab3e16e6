"""The send: claim queued -> sending with the crisis gate, call the adapter outside any
transaction, record the outcome (``publishing.send_delivery``)."""

import logging
import mimetypes
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import repeat

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.channels.connections import access_token_for
from apps.channels.kinds import has_news_fields
from apps.crisis.gate import ClaimGate
from apps.media_library.selectors import images_to_send, prefetch_uses_to_send, video_to_send
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.news import NewsFields

from .adapters.base import (
    Adapter,
    CaptionPayload,
    ImagePayload,
    PermanentError,
    PublishRequest,
    PublishResult,
    TransientError,
    UnknownOutcome,
    VideoPayload,
)
from .adapters.lanes import in_lane, lanes_for_batch
from .claim import _why_held_for_person, channel_not_ready
from .enums import DISPATCHABLE_POST_STATES, FailureKind
from .enums import DeliveryState as D
from .following import sync_post_status, sync_post_statuses
from .leases import keeper, lease_until
from .links import rewrite
from .models import Delivery
from .notifications import _notify_problem
from .transitions import BatchRaced, move, move_each, move_many

logger = logging.getLogger(__name__)


def _get_adapter(kind: str) -> Adapter:
    """The adapter of a channel kind."""
    # The registry loads every adapter and its HTTP client: only when a send needs one.
    from .adapters.registry import get_adapter  # noqa: PLC0415

    return get_adapter(kind)


def _can_reconcile(kind: str) -> bool:
    try:
        return _get_adapter(kind).can_reconcile
    except Exception:
        logger.exception("No adapter for channel kind %s", kind)
        return False


@dataclass(frozen=True)
class SendOutcome:
    delivery_id: int
    state: str  # the delivery's state after this call, or "skipped"
    detail: str = ""


@dataclass
class _Claimed:
    """A delivery this call moved to ``sending``, with what its channel will be sent."""

    delivery: Delivery
    adapter: Adapter | None = None
    request: PublishRequest | None = None
    preparation_error: str = ""


def send_delivery(*, delivery_id: int, now: datetime | None = None) -> SendOutcome:
    """Send one queued delivery (:func:`send_deliveries` with one id)."""
    (outcome,) = send_deliveries(delivery_ids=[delivery_id], now=now)
    return outcome


def send_deliveries(*, delivery_ids: list[int], now: datetime | None = None) -> list[SendOutcome]:
    """Send a batch of queued deliveries: claim them in one transaction, call their channels
    at once outside any transaction, record the outcomes; one outcome per id, in order.

    Safe to call twice or for vanished rows: only deliveries in state ``queued`` are sent,
    and only by the caller whose conditional UPDATE moved them to ``sending``. The batch
    shares the claim's reads and writes (the deliveries, the crisis gate, one UPDATE and one
    audit INSERT) and the record of its successes; every channel request starts as soon as
    the claim commits, so the crisis stop stays exact for each of them.
    """
    now = now or timezone.now()
    outcomes, claimed = _claim_for_sending(list(dict.fromkeys(delivery_ids)), now)
    if claimed:
        # From here until the outcomes are recorded, this process renews the rows' leases:
        # the sweeper leaves them alone however long the channels take (leases.py).
        with keeper.held(*(item.delivery.pk for item in claimed)):
            outcomes.update(_send_claimed(claimed))
    return [outcomes[delivery_id] for delivery_id in delivery_ids]


def _claim_for_sending(
    delivery_ids: list[int], now: datetime
) -> tuple[dict[int, SendOutcome], list[_Claimed]]:
    """Transaction 1: the gate and ``queued -> sending`` for every row allowed to go; the
    others are held (back to waiting, or cancelled with their post) or skipped."""
    outcomes: dict[int, SendOutcome] = {}
    with transaction.atomic():
        # Inside the claim, before the rows are locked (the order a declaration takes its
        # locks in): on PostgreSQL the crisis state is read FOR SHARE and held until this
        # transaction commits, so a declaration is ordered against the whole batch.
        gate = ClaimGate(at=now)
        rows = Delivery.objects.select_related(
            "variant__post__category",
            "variant__channel__credential",
            "variant__channel__connection",
        ).filter(pk__in=delivery_ids, state=D.QUEUED)
        if connection.features.has_select_for_update_skip_locked:
            # A row another worker is claiming right now is its, not ours.
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        deliveries = list(rows.order_by("pk"))
        for delivery_id in set(delivery_ids) - {delivery.pk for delivery in deliveries}:
            outcomes[delivery_id] = SendOutcome(delivery_id, "skipped", "not queued")
        if not deliveries:
            return outcomes, []
        gate.load_blackouts(since=min(delivery.due_at for delivery in deliveries))
        allowed = []
        for delivery in deliveries:
            reason = _why_not_now(delivery, gate, now)
            if reason:
                outcomes[delivery.pk] = _hold(delivery, reason)
            else:
                allowed.append(delivery)
        claimed = _move_to_sending(allowed, now)
        for delivery in allowed:
            if delivery not in claimed:
                outcomes[delivery.pk] = SendOutcome(delivery.pk, "skipped", "claimed elsewhere")
        # Built inside the claim: text, images and settings are those of the approved posts
        # the gate just allowed, not of an edit committed after it.
        posts = [delivery.variant.post for delivery in claimed]
        prefetch_related_objects(posts, "images")
        prefetch_uses_to_send(posts)
        return outcomes, [_prepare(delivery) for delivery in claimed]


def _why_not_now(delivery: Delivery, gate: ClaimGate, now: datetime) -> str | None:
    post = delivery.variant.post
    reason = gate.blocked_reason(delivery.variant)
    if reason is None:
        not_ready = channel_not_ready(delivery.variant.channel)
        # Its message came late (a worker outage), or its channel must be reconnected:
        # back to waiting, and the next claim pauses it if it is late.
        reason = _why_held_for_person(delivery, now, None, not_ready, gate=gate) or not_ready
    if reason is None and post.status not in DISPATCHABLE_POST_STATES:
        reason = _("Il post non è più approvato (%(status)s).") % {
            "status": post.get_status_display()
        }
    return reason


def _hold(delivery: Delivery, reason: str) -> SendOutcome:
    # A cancelled post never goes out: its delivery must not wait forever either.
    held = D.CANCELLED if delivery.variant.post.status == PostStatus.CANCELLED else D.WAITING
    move(
        delivery,
        D.QUEUED,
        held,
        action="delivery.cancelled" if held == D.CANCELLED else "delivery.held",
        summary=reason,
        queued_at=None,
        last_error=reason,
    )
    return SendOutcome(delivery.pk, held, reason)


def _move_to_sending(deliveries: list[Delivery], now: datetime) -> list[Delivery]:
    """One UPDATE and one audit INSERT for the batch; if a row slipped away meanwhile (its
    post changed), each row is moved on its own instead."""
    fields = {
        "sending_started_at": now,
        "lease_until": lease_until(now),
        "attempts": F("attempts") + 1,
    }
    where = {"variant__post__status__in": DISPATCHABLE_POST_STATES}
    try:
        claimed = move_many(
            deliveries, D.QUEUED, D.SENDING, action="delivery.sending", where=where, **fields
        )
    except BatchRaced:
        claimed = [
            delivery
            for delivery in deliveries
            if move(delivery, D.QUEUED, D.SENDING, action="delivery.sending", where=where, **fields)
        ]
    for delivery in claimed:
        delivery.attempts += 1
    return claimed


def _prepare(delivery: Delivery) -> _Claimed:
    try:
        return _Claimed(
            delivery,
            adapter=_get_adapter(delivery.variant.channel.kind),
            request=build_publish_request(delivery),
        )
    except Exception as exc:  # nothing was sent: an unknown kind or a broken configuration
        logger.exception("Cannot prepare delivery %s", delivery.pk)
        return _Claimed(delivery, preparation_error=f"{type(exc).__name__}: {exc}")


def _send_claimed(claimed: list[_Claimed]) -> dict[int, SendOutcome]:
    """Every channel request at once (one thread each), then the outcomes: the successes
    recorded together, anything else on its own."""
    ready = [item for item in claimed if not item.preparation_error]
    # This slot's own HTTP clients, a few requests to each (adapters.lanes): the next batch
    # reuses their connections.
    lanes = lanes_for_batch(len(ready))
    if len(ready) > 1:
        with ThreadPoolExecutor(max_workers=len(ready), thread_name_prefix="send") as pool:
            answers = list(pool.map(in_lane, lanes, repeat(_ask_channel), ready))
    else:
        answers = list(map(in_lane, lanes, repeat(_ask_channel), ready))
    outcomes = {
        item.delivery.pk: _record_failed(
            item.delivery, item.preparation_error, kind=FailureKind.CONFIGURATION
        )
        for item in claimed
        if item.preparation_error
    }
    successes = [
        (item, answer)
        for item, answer in zip(ready, answers, strict=True)
        if isinstance(answer, PublishResult)
    ]
    outcomes.update(_record_sent_many(successes))
    for item, answer in zip(ready, answers, strict=True):
        if not isinstance(answer, PublishResult):
            outcomes[item.delivery.pk] = _record_answer(item, answer)
    return outcomes


def _ask_channel(item: _Claimed) -> PublishResult | Exception:
    """The request to the channel, outside any transaction: its result, or what it raised."""
    try:
        if item.delivery.needs_reconcile and item.adapter.can_reconcile:
            result = item.adapter.find_existing(item.request)
            if result is not None:
                return result
        return item.adapter.publish(item.request)
    except Exception as exc:  # classified by _record_answer
        return exc


def _record_answer(item: _Claimed, error: Exception) -> SendOutcome:
    delivery, adapter, request = item.delivery, item.adapter, item.request
    if isinstance(error, TransientError):
        return _record_transient(delivery, error)
    if isinstance(error, PermanentError):
        kind = FailureKind.CONFIGURATION if error.is_configuration else FailureKind.REJECTED
        return _record_failed(delivery, _error_text(error), kind=kind)
    if isinstance(error, UnknownOutcome):
        return _record_unknown(delivery, adapter, request, _error_text(error))
    # A bug or a soft time limit: the request may have left. Not logged with its
    # traceback: a URL in it could carry the secret (Telegram).
    logger.error("Adapter %s crashed on delivery %s: %s", adapter.kind, delivery.pk, type(error))
    text = f"{type(error).__name__}: {error}"
    if request.secret:
        text = text.replace(request.secret, "[segreto]")
    return _record_unknown(delivery, adapter, request, text)


def build_publish_request(delivery: Delivery) -> PublishRequest:
    variant = delivery.variant
    post = variant.post
    channel = variant.channel
    credential = getattr(channel, "credential", None)
    token = access_token_for(channel)
    images = tuple(
        ImagePayload(
            path=image.image.name,
            url=settings.SITE_URL + image.image.url,
            alt_text=image.alt_text,
            credit=image.credit,
        )
        for image in post.images.all()
    ) + tuple(
        # The library's images after the post's own, each with the channel's alt text for it
        # or else the asset's.
        ImagePayload(
            path=file.name,
            url=settings.SITE_URL + file.url,
            alt_text=alt_text,
            content_type=mimetypes.guess_type(file.name)[0] or "image/jpeg",
        )
        for file, alt_text in images_to_send(
            post=post, network=channel.kind, alt_overrides=variant.alt_text_overrides
        )
    )
    # Counted through the Comune's redirect and UTM-tagged only if the administrator said so.
    text, link = rewrite(variant.text or post.base_text, post.link, post=post, channel=channel)
    video = _video_payload(post, variant) if _get_adapter(channel.kind).supports_video else None
    return PublishRequest(
        delivery_id=delivery.pk,
        idempotency_key=str(delivery.idempotency_key),
        text=text,
        # The variant's public title: the post's own title is internal and never sent.
        title=variant.public_title,
        news=NewsFields.of(variant).as_payload() if has_news_fields(channel.kind) else {},
        link=link,
        images=() if video is not None else images,
        video=video,
        config=dict(channel.config or {}),
        secret=token if token is not None else (credential.secret if credential else ""),
        # An earlier attempt started at sending_started_at (as loaded, before this attempt
        # moved it) or, for a first one, after due_at: a lookup need not look further back.
        not_before=min(filter(None, (delivery.due_at, delivery.sending_started_at))),
    )


def _video_payload(post, variant) -> VideoPayload | None:
    """The post's library video for the variant's network, or None; a video over the
    network's limits stops the send with the reason (nothing half-sent)."""
    asset, problems = video_to_send(post=post, network=variant.channel.kind)
    if asset is None:
        return None
    if problems:
        raise PermanentError(" ".join(str(problem) for problem in problems))
    overrides = variant.alt_text_overrides or {}
    return VideoPayload(
        path=asset.file.name,
        url=settings.SITE_URL + asset.file.url,
        size=asset.size_bytes,
        description=overrides.get(str(asset.pk)) or asset.alt_text,
        duration=asset.duration,
        width=asset.width,
        height=asset.height,
        poster_path=asset.poster.name or "",
        captions=tuple(
            CaptionPayload(path=caption.file.name, language=caption.language)
            for caption in asset.captions.all()
        ),
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


def _record_sent(delivery: Delivery, result: PublishResult, *, title: str) -> SendOutcome:
    summary, fields = _sent_fields(result, title, sent_at=timezone.now())
    return _finish(delivery, D.SENT, "delivery.sent", summary=summary, **fields)


def _sent_fields(result: PublishResult, title: str, *, sent_at: datetime) -> tuple[str, dict]:
    """The summary and the fields of a ``sending -> sent`` move."""
    url = _public_url(result.url)
    return url or result.external_id, {
        "sent_at": sent_at,
        "sent_title": title[:200],
        "external_id": (result.external_id or "")[:200],
        "external_url": url,
        "last_error": "",
        "needs_reconcile": False,
    }


def _record_sent_many(successes: list[tuple[_Claimed, PublishResult]]) -> dict[int, SendOutcome]:
    """:func:`_record_sent` for a batch, retried while the database is briefly away: one
    transaction, the posts locked once, one audit INSERT, the posts' statuses read at once.
    A row that left ``sending`` meanwhile (the sweeper judged it dead) goes through
    :func:`_record_sent`, where a success still wins."""
    if not successes:
        return {}
    # The batch's answers are all in: one time of sending for the batch.
    sent_at = timezone.now()
    moves = [
        (item.delivery, *_sent_fields(result, item.request.title, sent_at=sent_at))
        for item, result in successes
    ]
    moved = with_database_retry(_finish_sent_many, moves, what="Recording a batch of sends")
    outcomes = {
        delivery.pk: SendOutcome(delivery.pk, D.SENT, summary)
        for delivery, summary, _fields in moves
        if delivery.pk in moved
    }
    for item, result in successes:
        if item.delivery.pk not in moved:
            outcomes[item.delivery.pk] = _record_sent(
                item.delivery, result, title=item.request.title
            )
    return outcomes


def _finish_sent_many(moves: list[tuple[Delivery, str, dict]]) -> set[int]:
    with transaction.atomic():
        post_ids = sorted({delivery.variant.post_id for delivery, _summary, _fields in moves})
        # Locked in one order, so two batches finishing at once never deadlock.
        posts = list(Post.objects.select_for_update().filter(pk__in=post_ids).order_by("pk"))
        moved = move_each(moves, D.SENDING, D.SENT, action="delivery.sent")
        sync_post_statuses(posts)
    return {delivery.pk for delivery in moved}


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
                return _record_sent(delivery, existing, title=request.title)
            # Not there (yet): the resend carries the same idempotency key and looks it up
            # again first, in case the lost request surfaces on the service meanwhile.
            return _record_transient(delivery, TransientError(error), needs_reconcile=True)
    return _finish(delivery, D.NEEDS_CHECK, "delivery.needs_check", summary=error, last_error=error)
