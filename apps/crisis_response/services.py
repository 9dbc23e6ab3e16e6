"""What people do about a crisis: declare it (posts pause, unsent deliveries stop), change its
scope, end it, then resume, reschedule or cancel each paused post, and delete what went out.

Why the stop is exact: see docs/crisis.md. The declaration locks the one CrisisState row
FOR UPDATE; every claim for sending reads it FOR SHARE in its own transaction
(``apps/crisis/gate.py``). This app sits above publishing; ``crisis`` (state, blackouts, the
gate) sits below it.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import in_site_language, record
from apps.crisis import selectors as crisis_selectors
from apps.crisis.models import Crisis, CrisisState
from apps.planning.enums import PostStatus
from apps.planning.transitions import TransitionError, transition
from apps.publishing.adapters import registry
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from apps.publishing.services import (
    cancel_deliveries,
    schedule_deliveries,
    stop_held_deliveries,
)

from . import selectors

logger = logging.getLogger(__name__)


class CrisisError(Exception):
    """A crisis action that cannot be done; the message is shown to the user."""


def _locked_state() -> CrisisState:
    CrisisState.objects.get_or_create(singleton=True)
    return CrisisState.objects.select_for_update(of=("self",)).get(singleton=True)


def _scope_summary(crisis: Crisis) -> list[str]:
    if crisis.all_channels:
        return ["*"]
    return sorted(c.name for c in crisis.channels.all())


# --- Declaring and ending -----------------------------------------------------------------


def declare_crisis(*, by, reason: str, channels=None) -> Crisis:
    """Open a crisis: from its commit no in-scope variant starts sending; approved posts pause.

    ``channels`` empty or None means every channel.
    """
    reason = (reason or "").strip()
    if not reason:
        raise CrisisError(_("Indica il motivo della crisi."))
    channels = list(channels or [])
    with transaction.atomic():
        state = _locked_state()  # waits for every claim in progress (FOR SHARE) to commit
        if state.current is not None or Crisis.objects.filter(ended_at__isnull=True).exists():
            raise CrisisError(
                _("C'è già una crisi in corso: chiudila prima di dichiararne un'altra.")
            )
        now = timezone.now()
        crisis = Crisis.objects.create(
            reason=reason, all_channels=not channels, declared_by=by, declared_at=now
        )
        if channels:
            crisis.channels.set(channels)
        sending = Delivery.objects.filter(state=DeliveryState.SENDING).filter(
            crisis_selectors.in_scope_filter(crisis, "variant__channel")
        )
        crisis.mid_send_delivery_ids = list(sending.order_by("pk").values_list("pk", flat=True))
        crisis.save(update_fields=["mid_send_delivery_ids"])
        state.current = crisis
        state.changed_at = now
        state.save(update_fields=["current", "changed_at"])
        paused = []
        for post in selectors.in_scope_posts_to_pause(crisis):
            try:
                transition(
                    post,
                    PostStatus.PAUSED,
                    by=by,
                    action="post.paused_by_crisis",
                    note=lambda: _("Sospeso per la crisi: %(reason)s") % {"reason": reason[:200]},
                )
            except TransitionError as exc:  # changed meanwhile: the gate still holds it
                logger.warning("Post %s not paused: %s", post.pk, exc)
            else:
                paused.append(post.pk)
        stopped = _stop_unpausable_deliveries(crisis, by=by)
        record(
            action="crisis.declared",
            actor=by,
            obj=crisis,
            summary=reason,
            after={
                "scope": _scope_summary(crisis),
                "paused_posts": paused,
                "mid_send_deliveries": crisis.mid_send_delivery_ids,
                "stopped_deliveries": stopped,
            },
        )
    return crisis


def _stop_unpausable_deliveries(crisis: Crisis, *, by) -> list[int]:
    """Pending sends of posts that cannot pause (partly failed: retries) become failed.

    Otherwise they would go out by themselves, late, once the crisis ends; as failed they
    wait on the publishing desk for a person to press "Riprova ora".
    """
    return stop_held_deliveries(
        scope=crisis_selectors.in_scope_filter(crisis, "variant__channel"),
        by=by,
        # Stored as the delivery's error and in the register: in the site's language.
        reason=in_site_language(
            lambda: _("Fermato dalla crisi: riprova a mano quando è opportuno.")
        ),
    )


def change_scope(*, crisis: Crisis, by, channels=None) -> Crisis:
    """Widen or narrow the open crisis; newly covered approved posts pause too."""
    channels = list(channels or [])
    with transaction.atomic():
        state = _locked_state()
        if state.current_id != crisis.pk or crisis.ended_at is not None:
            raise CrisisError(_("Questa crisi non è più in corso."))
        before = _scope_summary(crisis)
        crisis.all_channels = not channels
        crisis.save(update_fields=["all_channels"])
        crisis.channels.set(channels)
        paused = []
        for post in selectors.in_scope_posts_to_pause(crisis):
            try:
                transition(post, PostStatus.PAUSED, by=by, action="post.paused_by_crisis")
            except TransitionError as exc:
                logger.warning("Post %s not paused: %s", post.pk, exc)
            else:
                paused.append(post.pk)
        _stop_unpausable_deliveries(crisis, by=by)
        record(
            action="crisis.scope_changed",
            actor=by,
            obj=crisis,
            before={"scope": before},
            after={"scope": _scope_summary(crisis), "paused_posts": paused},
        )
    return crisis


def end_crisis(*, by, note: str) -> Crisis:
    """Close the open crisis. Nothing resumes by itself: paused posts wait for a person."""
    note = (note or "").strip()
    if not note:
        raise CrisisError(_("Scrivi una nota di chiusura."))
    with transaction.atomic():
        state = _locked_state()
        crisis = state.current or Crisis.objects.filter(ended_at__isnull=True).first()
        if crisis is None:
            raise CrisisError(_("Non c'è nessuna crisi in corso."))
        now = timezone.now()
        crisis.ended_at = now
        crisis.ended_by = by
        crisis.end_note = note
        crisis.save(update_fields=["ended_at", "ended_by", "end_note"])
        state.current = None
        state.changed_at = now
        state.save(update_fields=["current", "changed_at"])
        # Ordinary posts approved during the crisis were held by the gate, and those whose
        # time has passed would go out late by themselves now: a person looks at each of
        # them on the recovery page, like the posts the declaration paused.
        overdue = []
        held = selectors.in_scope_posts_to_pause(crisis).filter(
            Q(planned_at__lte=now) | Q(approved_at__gte=crisis.declared_at)
        )
        for post in held:
            try:
                transition(
                    post,
                    PostStatus.PAUSED,
                    by=by,
                    action="post.paused_by_crisis",
                    note=lambda: _("Approvato o previsto durante la crisi: serve una decisione."),
                )
            except TransitionError as exc:
                logger.warning("Post %s not paused: %s", post.pk, exc)
            else:
                overdue.append(post.pk)
        record(
            action="crisis.ended",
            actor=by,
            obj=crisis,
            summary=note,
            after={
                "paused_posts": crisis_selectors.paused_posts().count(),
                "overdue_paused": overdue,
            },
        )
    return crisis


# --- Recovering paused posts --------------------------------------------------------------


def _refuse_while_crisis_covers(post) -> None:
    crisis = crisis_selectors.open_crisis()
    if crisis is None or post.is_crisis_communication:
        return
    if any(
        crisis_selectors.crisis_covers_channel(crisis, v.channel_id) for v in post.variants.all()
    ):
        raise CrisisError(_("La crisi è ancora in corso su uno dei canali del post."))


def _refuse_inside_blackout(post, at: datetime) -> None:
    blackout = crisis_selectors.blackout_blocking_post_at(post, at)
    if blackout is not None:
        raise CrisisError(
            _("L'orario cade nel periodo di silenzio «%(blackout)s».") % {"blackout": blackout}
        )


def _require_paused(post) -> None:
    if post.status != PostStatus.PAUSED:
        raise CrisisError(_("Il post «%(title)s» non è sospeso.") % {"title": post.title})


def resume_post(post, *, by):
    """Back to approved at its original time, only if that time is still in the future."""
    _require_paused(post)
    if post.planned_at <= timezone.now():
        raise CrisisError(
            _("L'orario previsto di «%(title)s» è passato: scegli un nuovo orario.")
            % {"title": post.title}
        )
    _refuse_while_crisis_covers(post)
    _refuse_inside_blackout(post, post.planned_at)
    with transaction.atomic():
        try:
            transition(
                post,
                PostStatus.APPROVED,
                by=by,
                action="post.resumed",
                note=lambda: _("Ripreso all'orario originale."),
            )
        except TransitionError as exc:
            raise CrisisError(str(exc)) from exc
        schedule_deliveries(post=post)
    return post


def reschedule_paused_post(post, *, by, planned_at: datetime):
    """Back to approved at a new time a person chose (which must be in the future)."""
    _require_paused(post)
    if planned_at is None or planned_at <= timezone.now():
        raise CrisisError(_("Il nuovo orario deve essere nel futuro."))
    _refuse_while_crisis_covers(post)
    _refuse_inside_blackout(post, planned_at)
    original = post.planned_at
    with transaction.atomic():
        try:
            transition(
                post,
                PostStatus.APPROVED,
                by=by,
                action="post.rescheduled_after_crisis",
                note=lambda: _("Riprogrammato dopo la crisi."),
                extra_fields={"planned_at": planned_at},
            )
        except TransitionError as exc:
            raise CrisisError(str(exc)) from exc
        record(
            action="crisis.post_rescheduled",
            actor=by,
            obj=post,
            before={"planned_at": original.isoformat()},
            after={"planned_at": planned_at.isoformat()},
        )
        schedule_deliveries(post=post)
    return post


def cancel_paused_post(post, *, by, reason: str = ""):
    """The post will not go out: cancelled, its unsent deliveries cancelled too (audited)."""
    _require_paused(post)
    with transaction.atomic():
        try:
            transition(
                post,
                PostStatus.CANCELLED,
                by=by,
                action="post.cancelled_after_crisis",
                note=reason or _("Annullato dopo la crisi."),
            )
        except TransitionError as exc:
            raise CrisisError(str(exc)) from exc
        cancel_deliveries(post=post, by=by)
    return post


@dataclass
class BulkResult:
    done: list = field(default_factory=list)
    refused: list[tuple] = field(default_factory=list)  # (post, message)


def _bulk(posts, action) -> BulkResult:
    result = BulkResult()
    for post in posts:
        try:
            action(post)
        except CrisisError as exc:
            result.refused.append((post, str(exc)))
        else:
            result.done.append(post)
    return result


def bulk_resume(posts, *, by) -> BulkResult:
    return _bulk(posts, lambda post: resume_post(post, by=by))


def bulk_reschedule(posts, *, by, planned_at: datetime) -> BulkResult:
    return _bulk(posts, lambda post: reschedule_paused_post(post, by=by, planned_at=planned_at))


def bulk_cancel(posts, *, by, reason: str = "") -> BulkResult:
    return _bulk(posts, lambda post: cancel_paused_post(post, by=by, reason=reason))


# --- Removing what was published ----------------------------------------------------------


def delivery_can_be_deleted(delivery) -> bool:
    if not delivery.external_id or delivery.deleted_at is not None:
        return False
    try:
        return bool(registry.get_adapter(delivery.variant.channel.kind).supports_delete)
    except Exception:  # no adapter for this kind
        return False


def delete_published_item(delivery, *, by):
    """Remove a published item from its channel (where the channel allows it), audited."""
    if not delivery_can_be_deleted(delivery):
        raise CrisisError(_("Questo contenuto non si può rimuovere da qui."))
    channel = delivery.variant.channel
    credential = getattr(channel, "credential", None)
    secret = credential.secret if credential else ""
    try:
        registry.get_adapter(channel.kind).delete(
            external_id=delivery.external_id, config=dict(channel.config or {}), secret=secret
        )
    except Exception as exc:
        # The error may quote the request URL, which carries the secret on some channels.
        error = str(exc).replace(secret, "[segreto]") if secret else str(exc)
        logger.warning("Deleting delivery %s failed: %s", delivery.pk, error)
        raise CrisisError(
            _("Il canale non ha rimosso il contenuto: %(error)s") % {"error": error}
        ) from exc
    delivery.deleted_at = timezone.now()
    delivery.save(update_fields=["deleted_at"])
    record(
        action="crisis.published_item_deleted",
        actor=by,
        obj=delivery,
        post_id=delivery.variant.post_id,
        summary=delivery.external_url or delivery.external_id,
    )
    return delivery
