"""Corrections of a post already sent: what a correction covers, and pushing an approved one
to the channels whose item can be edited in place.

A correction is proposed and decided in ``apps.review.corrections`` (who may, separation of
duties, notices); this module owns the rows (``Correction``, ``CorrectionOutcome``), what the
pages read about them, and the push: for every delivery already sent, one outcome row whose
``status`` moves by conditional UPDATE only (pending → sending → applied / failed, or
pending → held by the crisis gate; unchanged where the network cannot edit). Nothing here
moves a Delivery: its state stays ``sent``.

The push (``publishing.push_correction``) is safe to run twice: only ``pending`` rows are
claimed, each by exactly one caller, and the update replaces the item's fields (sending it
again leaves the item as once). A held or failed row goes out again only when a person
resends it (:func:`resend_outcome`), never by itself.
"""

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.services import record
from apps.channels.kinds import can_update_published, has_news_fields
from apps.core.queue import enqueue
from apps.crisis.gate import ClaimGate
from apps.planning.enums import PostStatus
from apps.planning.models import Post, Variant
from apps.planning.services import CORRECTABLE_STATES

# ``tasks`` imports this module too: only its attribute is read, at call time.
from . import tasks
from .enums import CORRECTION_RESENDABLE, CorrectionStatus
from .enums import CorrectionOutcomeStatus as O
from .enums import DeliveryState as D
from .models import Correction, CorrectionOutcome, Delivery
from .sending import _get_adapter, _public_url, build_publish_request

logger = logging.getLogger(__name__)

# The fields of a variant a correction covers (on channels with the website Notizia fields).
CORRECTED_VARIANT_FIELDS = (
    "public_title",
    "text",
    "news_summary",
    "news_topics",
    "news_type",
    "news_office",
)
FIELD_LABELS = {
    "title": gettext_lazy("Titolo interno"),
    "base_text": gettext_lazy("Testo base"),
    "public_title": gettext_lazy("Titolo pubblico"),
    "text": gettext_lazy("Testo (corpo della notizia)"),
    "news_summary": gettext_lazy("Descrizione breve"),
    "news_topics": gettext_lazy("Argomenti"),
    "news_type": gettext_lazy("Tipo di notizia"),
    "news_office": gettext_lazy("A cura di"),
}
# A row left ``sending`` this long (its worker died mid-request) may be resent by a person:
# the update replaces the item's fields, so a second one does no harm.
STUCK_SENDING = timedelta(minutes=5)


class CorrectionError(Exception):
    """A correction that cannot be proposed, decided or resent; the message is shown."""


# --- What a correction covers ---------------------------------------------------------------


def corrected_variants(post: Post) -> list[Variant]:
    """The variants whose texts a correction covers: channels with the Notizia fields."""
    return [v for v in post.variants.all() if has_news_fields(v.channel.kind)]


def texts_of(post: Post) -> dict:
    """The post's current texts, in the shape of ``Correction.before`` / ``after``."""
    return {
        "title": post.title,
        "base_text": post.base_text,
        "variants": {
            str(v.channel_id): {
                "public_title": v.public_title,
                "text": v.text,
                "news_summary": v.news_summary,
                "news_topics": list(v.news_topics or ()),
                "news_type": v.news_type,
                "news_office": v.news_office,
            }
            for v in corrected_variants(post)
        },
    }


def sent_deliveries(post: Post) -> list[Delivery]:
    """The deliveries of ``post`` that reached their channel and are still there."""
    return list(
        Delivery.objects.select_related("variant__channel")
        .filter(variant__post=post, state=D.SENT, deleted_at__isnull=True)
        .order_by("variant__channel__name", "pk")
    )


def in_bin(post: Post) -> bool:
    """Whether a crisis's "elimina ciò che è uscito" removed something of this post."""
    return Delivery.objects.filter(variant__post=post, deleted_at__isnull=False).exists()


def why_not_correctable(post: Post, *, deciding: Correction | None = None) -> str:
    """Why ``post`` cannot take a correction now (shown to the person), or ``""``.
    ``deciding``: the pending correction being approved, no obstacle to itself."""
    if post.status not in CORRECTABLE_STATES:
        return _("Si corregge così solo un post pubblicato (anche in parte).")
    if in_bin(post):
        return _(
            "Questo post è stato ritirato dai canali (cestino, «elimina ciò che è uscito»): "
            "non si corregge. Se serve, scrivi un nuovo post."
        )
    if not Delivery.objects.filter(variant__post=post, state=D.SENT).exists():
        return _("Nessun canale ha ancora pubblicato questo post: non c'è nulla da correggere.")
    pending = Correction.objects.filter(post=post, status=CorrectionStatus.PENDING)
    if deciding is not None:
        pending = pending.exclude(pk=deciding.pk)
    if pending.exists():
        return _("Una correzione di questo post attende già una decisione.")
    return ""


@dataclass(frozen=True)
class ChannelEffect:
    """What approving a correction does on one channel already sent."""

    channel: object
    updates: bool  # the network edits its items in place
    touched: bool = True  # the correction changes something this channel shows
    url: str = ""


def changes_channel(correction: Correction, variant: Variant) -> bool:
    """Whether ``correction`` changes what ``variant``'s channel shows: its own fields, or the
    base text it sends when it has no text of its own."""
    cid = str(variant.channel_id)
    before = (correction.before or {}).get("variants") or {}
    after = (correction.after or {}).get("variants") or {}
    if before.get(cid) != after.get(cid):
        return True
    text = after[cid]["text"] if cid in after else variant.text
    base_changed = (correction.before or {}).get("base_text") != (correction.after or {}).get(
        "base_text"
    )
    return not text and base_changed


def channel_effects(post: Post, correction: Correction | None = None) -> list[ChannelEffect]:
    """Per channel already sent: edited in place, or left as published (the network cannot
    edit; or, for ``correction``, nothing it shows changes)."""
    return [
        ChannelEffect(
            channel=d.variant.channel,
            updates=can_update_published(d.variant.channel.kind),
            touched=correction is None or changes_channel(correction, d.variant),
            url=d.external_url,
        )
        for d in sent_deliveries(post)
    ]


@dataclass(frozen=True)
class FieldChange:
    label: str
    channel: str  # "" for the post's own fields
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _shown(name: str, value) -> str:
    if name == "news_topics":
        return ", ".join(value or ())
    if name == "news_type":
        return str(dict(Variant._meta.get_field("news_type").choices).get(value, value or ""))
    return str(value or "")


def field_changes(correction: Correction, *, channel_names: dict[int, str]) -> list[FieldChange]:
    """Every field the correction covers, before and after (``changed`` says which moved)."""
    before, after = correction.before or {}, correction.after or {}
    rows = [
        FieldChange(str(FIELD_LABELS[name]), "", before.get(name, ""), after.get(name, ""))
        for name in ("title", "base_text")
    ]
    for cid, fields in (after.get("variants") or {}).items():
        old = (before.get("variants") or {}).get(cid, {})
        name = channel_names.get(int(cid), "")
        rows += [
            FieldChange(
                str(FIELD_LABELS[field]), name, _shown(field, old.get(field)), _shown(field, value)
            )
            for field, value in fields.items()
        ]
    return rows


def pending_corrections():
    """The corrections waiting for a decision, oldest first (the review queue)."""
    return (
        Correction.objects.filter(status=CorrectionStatus.PENDING)
        .select_related("post", "proposed_by")
        .order_by("created_at", "pk")
    )


def corrections_of(post: Post) -> list[Correction]:
    """The post's corrections, newest first, with their outcomes and channels (two queries)."""
    return list(
        Correction.objects.filter(post=post)
        .select_related("proposed_by", "decided_by")
        .prefetch_related(
            Prefetch(
                "outcomes",
                queryset=CorrectionOutcome.objects.select_related("delivery__variant__channel"),
            )
        )
    )


# --- After approval: the outcome rows and the push ------------------------------------------


def schedule_correction(correction: Correction, *, by) -> list[CorrectionOutcome]:
    """One outcome per delivery already sent (inside the approval's transaction): ``pending``
    where the channel edits its items and the correction changes what it shows,
    ``not_needed`` where it changes nothing there, ``unchanged`` where the network cannot edit;
    the push starts on commit."""
    outcomes = CorrectionOutcome.objects.bulk_create(
        [
            CorrectionOutcome(
                correction=correction, delivery=delivery, status=_first_status(correction, delivery)
            )
            for delivery in sent_deliveries(correction.post)
        ]
    )
    if any(outcome.status == O.PENDING for outcome in outcomes):
        _push_on_commit(correction.pk)
    return outcomes


def _first_status(correction: Correction, delivery: Delivery) -> str:
    if not can_update_published(delivery.variant.channel.kind):
        return O.UNCHANGED
    return O.PENDING if changes_channel(correction, delivery.variant) else O.NOT_NEEDED


def _push_on_commit(correction_id: int) -> None:
    transaction.on_commit(lambda: enqueue(tasks.push_correction, correction_id=correction_id))


def _move(
    outcome: CorrectionOutcome, from_: str, to: str, *, action: str, by=None, summary="", **fields
) -> bool:
    """``from_ → to`` as one conditional UPDATE with its audit entry; False when the row was
    no longer ``from_`` (someone else moved it)."""
    rows = CorrectionOutcome.objects.filter(pk=outcome.pk, status=from_).update(
        status=to, updated_at=timezone.now(), **fields
    )
    if rows != 1:
        return False
    outcome.status = to
    channel = outcome.delivery.variant.channel
    record(
        action=action,
        actor=by,
        obj=outcome.correction,
        post_id=outcome.delivery.variant.post_id,
        summary=f"{channel.name}: {summary}" if summary else channel.name,
    )
    return True


@dataclass
class _Claimed:
    outcome: CorrectionOutcome
    adapter: object = None
    request: object = None
    error: str = ""


def push_correction(*, correction_id: int, now: datetime | None = None) -> dict[int, str]:
    """Update the channels of an approved correction: every ``pending`` outcome is claimed
    (the crisis gate asked in the same transaction: blocked ones are ``held``), then sent
    outside any transaction. Returns {outcome id: status after this call} for the rows this
    call moved; a second call finds nothing pending and does nothing."""
    now = now or timezone.now()
    claimed, results = _claim(correction_id, now)
    for item in claimed:
        results[item.outcome.pk] = _send(item)
    return results


def _claim(correction_id: int, now: datetime) -> tuple[list[_Claimed], dict[int, str]]:
    results: dict[int, str] = {}
    claimed = []
    with transaction.atomic():
        # Before the rows, as every claim does: a crisis declaration is ordered against it.
        gate = ClaimGate(at=now, since=now)
        outcomes = list(
            CorrectionOutcome.objects.select_related(
                "correction",
                "delivery__variant__post__category",
                "delivery__variant__channel__credential",
                "delivery__variant__channel__connection",
            ).filter(
                correction_id=correction_id,
                correction__status=CorrectionStatus.APPROVED,
                status=O.PENDING,
            )
        )
        for outcome in outcomes:
            delivery = outcome.delivery
            if delivery.deleted_at is not None or delivery.state != D.SENT:
                reason = _("Il contenuto non è più sul canale: nulla da aggiornare.")
                if _move(
                    outcome,
                    O.PENDING,
                    O.FAILED,
                    action="correction.failed",
                    summary=reason,
                    error=reason,
                ):
                    results[outcome.pk] = O.FAILED
                continue
            reason = gate.blocked_reason(delivery.variant)
            if reason:
                if _move(
                    outcome,
                    O.PENDING,
                    O.HELD,
                    action="correction.held",
                    summary=reason,
                    error=reason,
                ):
                    results[outcome.pk] = O.HELD
                continue
            if _move(
                outcome,
                O.PENDING,
                O.SENDING,
                action="correction.sending",
                attempts=F("attempts") + 1,
                error="",
            ):
                claimed.append(_prepare(outcome))
    return claimed, results


def _prepare(outcome: CorrectionOutcome) -> _Claimed:
    delivery = outcome.delivery
    try:
        request = build_publish_request(delivery)
        # A correction changes the texts only: the images stay as published.
        request = replace(request, images=(), video=None)
        return _Claimed(outcome, _get_adapter(delivery.variant.channel.kind), request)
    except Exception as exc:  # nothing was sent: an unknown kind or a broken configuration
        logger.exception("Cannot prepare the correction of delivery %s", delivery.pk)
        return _Claimed(outcome, error=f"{type(exc).__name__}: {exc}")


def _send(item: _Claimed) -> str:
    outcome = item.outcome
    delivery = outcome.delivery
    error = item.error
    if not error:
        try:
            result = item.adapter.update(external_id=delivery.external_id, request=item.request)
        except Exception as exc:
            status = getattr(exc, "status", None)
            error = f"HTTP {status}: {exc}" if status else (str(exc) or type(exc).__name__)
            secret = item.request.secret
            if secret:
                error = error.replace(secret, "[segreto]")
        else:
            with transaction.atomic():
                _move(outcome, O.SENDING, O.APPLIED, action="correction.applied", error="")
                # What citizens see now: the delivery's public title and address follow.
                Delivery.objects.filter(pk=delivery.pk).update(
                    sent_title=item.request.title[:200],
                    external_url=_public_url(result.url) or delivery.external_url,
                )
            return O.APPLIED
    with transaction.atomic():
        _move(outcome, O.SENDING, O.FAILED, action="correction.failed", summary=error, error=error)
    return O.FAILED


def can_resend(outcome: CorrectionOutcome, *, now: datetime | None = None) -> bool:
    if outcome.status in CORRECTION_RESENDABLE:
        return True
    now = now or timezone.now()
    return outcome.status == O.SENDING and outcome.updated_at < now - STUCK_SENDING


def resend_outcome(*, outcome: CorrectionOutcome, by) -> CorrectionOutcome:
    """ "Riprova l'aggiornamento": a held or failed update (or one stuck in flight) is pending
    again and the push starts on commit; the crisis gate is asked again then."""
    if not can_resend(outcome):
        raise CorrectionError(_("Questo aggiornamento non si può ripetere ora."))
    if outcome.delivery.deleted_at is not None:
        raise CorrectionError(_("Il contenuto è stato ritirato dal canale: nulla da aggiornare."))
    post = outcome.delivery.variant.post
    if post.status not in (*CORRECTABLE_STATES, PostStatus.FAILED):
        raise CorrectionError(_("Il post non è più pubblicato."))
    with transaction.atomic():
        if not _move(
            outcome, outcome.status, O.PENDING, action="correction.resend_requested", by=by
        ):
            raise CorrectionError(
                _("L'aggiornamento è cambiato nel frattempo: ricarica la pagina.")
            )
        _push_on_commit(outcome.correction_id)
    return outcome
