"""Writes of slots: the slot itself, filling, skipping, unlinking, reminders."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import record
from apps.notifications.enums import Kind
from apps.notifications.services import Email, notify
from apps.planning.models import Post
from apps.planning.services import create_post

from .digest import digest_texts
from .models import Slot, SlotFill, SlotReminder, SlotSkip
from .selectors import occurrence_of, occurrences_between

# A slot post moved by more than this from its occurrence no longer fills it without asking.
MOVE_TOLERANCE = timedelta(hours=12)


class SlotError(Exception):
    """A refused slot action; the message is shown to the user."""


def _snapshot(slot: Slot) -> dict:
    return {
        "name": slot.name,
        "rrule": slot.rrule,
        "time": slot.time.isoformat(),
        "start_date": slot.start_date.isoformat(),
        "end_date": slot.end_date.isoformat() if slot.end_date else None,
        "owner": slot.owner_id,
        "active": slot.active,
        "is_events_digest": slot.is_events_digest,
        "channels": sorted(slot.channels.values_list("pk", flat=True)),
        "category": slot.category_id,
    }


def save_slot(*, slot: Slot, channels, by, created: bool) -> Slot:
    """Save a slot built by the form (new or changed), with its channels and audit entry."""
    before = None if created else _snapshot(Slot.objects.get(pk=slot.pk))
    with transaction.atomic():
        slot.full_clean()
        slot.save()
        slot.channels.set(channels)
        record(
            action="slot.created" if created else "slot.updated",
            actor=by,
            obj=slot,
            summary=slot.name,
            before=before,
            after=_snapshot(slot),
        )
    return slot


def _occurrence_or_error(slot: Slot, occurrence_at: datetime):
    occurrence = occurrence_of(slot, occurrence_at)
    if occurrence is None:
        raise SlotError(
            _("La rubrica «%(name)s» non ha un'uscita in quella data.") % {"name": slot.name}
        )
    return occurrence


def fill_occurrence(slot: Slot, occurrence_at: datetime, *, by) -> Post:
    """A draft post at the occurrence's time, linked to it. A second call returns the same post.

    The draft takes the slot's channels, category and brief; an events digest drafts its text
    from the public events in the slot's window, in each channel's tone.
    """
    occurrence = _occurrence_or_error(slot, occurrence_at)
    if occurrence.is_filled:
        return occurrence.post
    if not slot.active:
        raise SlotError(_("La rubrica è sospesa: riattivala per riempirne le uscite."))
    if occurrence.skip is not None:
        raise SlotError(_("Questa uscita è stata saltata: ripristinala prima di riempirla."))
    channels = list(slot.channels.all())
    local_at = timezone.localtime(occurrence.at)
    title = f"{slot.name} · {local_at:%d/%m/%Y}"
    base_text, variant_texts, link = slot.brief, {}, ""
    notes = ""
    if slot.is_events_digest:
        base_text, variant_texts, link = digest_texts(slot, occurrence.at, channels)
        notes = slot.brief
    try:
        with transaction.atomic():
            if occurrence.post is not None:
                # Its post was cancelled: the occurrence is open again, the old post keeps
                # its history but no longer fills it.
                SlotFill.objects.filter(
                    slot=slot, occurrence_at=occurrence.at, post=occurrence.post
                ).delete()
                record(
                    action="slot.unfilled",
                    actor=by,
                    obj=slot,
                    post_id=occurrence.post.pk,
                    summary=lambda: _("Post annullato sostituito da una nuova bozza"),
                    before={"occurrence_at": occurrence.at.isoformat(), "post": occurrence.post.pk},
                )
            post = create_post(
                author=by,
                title=title,
                category=slot.category,
                planned_at=occurrence.at,
                channels=channels,
                base_text=base_text,
                link=link,
                notes=notes,
                variant_texts=variant_texts,
            )
            fill = SlotFill.objects.create(slot=slot, occurrence_at=occurrence.at, post=post)
            record(
                action="slot.filled",
                actor=by,
                obj=slot,
                post_id=post.pk,
                summary=str(fill),
                after={"occurrence_at": occurrence.at.isoformat(), "post": post.pk},
            )
    except IntegrityError:
        # Someone else filled it between our read and our write: theirs stands.
        existing = SlotFill.objects.filter(slot=slot, occurrence_at=occurrence.at).first()
        if existing is None:
            raise
        return existing.post
    return post


def unlink_post(post: Post, *, by) -> bool:
    """The post no longer fills its occurrence (the post itself stays). False if it did not."""
    fill = SlotFill.objects.filter(post=post).select_related("slot").first()
    if fill is None:
        return False
    with transaction.atomic():
        fill.delete()
        record(
            action="slot.unfilled",
            actor=by,
            obj=fill.slot,
            post_id=post.pk,
            summary=str(fill),
            before={"occurrence_at": fill.occurrence_at.isoformat(), "post": post.pk},
        )
    return True


def still_fills_after_move(post: Post, new_planned_at: datetime) -> bool:
    """Whether a slot post moved to ``new_planned_at`` still fills its occurrence unasked.

    True within 12 hours either side of the occurrence, and for posts that fill nothing.
    The planning area asks the person (then calls :func:`unlink_post`) when this is False.
    """
    fill = SlotFill.objects.filter(post=post).first()
    if fill is None:
        return True
    return abs(new_planned_at - fill.occurrence_at) <= MOVE_TOLERANCE


def skip_occurrence(slot: Slot, occurrence_at: datetime, *, by, reason: str) -> SlotSkip:
    """Mark an occurrence as deliberately skipped (holiday, crisis…). Idempotent."""
    reason = (reason or "").strip()
    if not reason:
        raise SlotError(_("Scrivi il motivo per cui salti questa uscita."))
    occurrence = _occurrence_or_error(slot, occurrence_at)
    if occurrence.skip is not None:
        return occurrence.skip
    if occurrence.is_filled:
        raise SlotError(_("Questa uscita è già riempita da un post: scollegalo prima di saltarla."))
    try:
        with transaction.atomic():
            skip = SlotSkip.objects.create(
                slot=slot, occurrence_at=occurrence.at, reason=reason[:200], created_by=by
            )
            record(
                action="slot.skipped",
                actor=by,
                obj=slot,
                summary=f"{skip}",
                after={"occurrence_at": occurrence.at.isoformat(), "reason": skip.reason},
            )
    except IntegrityError:
        return SlotSkip.objects.get(slot=slot, occurrence_at=occurrence.at)
    return skip


def take_occurrence(slot: Slot, occurrence_at: datetime, post: Post, *, by) -> SlotFill:
    """An existing post fills the open occurrence ``occurrence_at`` of ``slot`` ("Metti in
    coda" in a rubrica); it leaves the occurrence it filled before, if any. The post is already
    at the occurrence's time (moved by ``review.editing.queue_post``)."""
    occurrence = _occurrence_or_error(slot, occurrence_at)
    if not occurrence.is_open:
        raise SlotError(_("Questa uscita della rubrica è già occupata: riprova."))
    with transaction.atomic():
        unlink_post(post, by=by)
        if occurrence.post is not None:  # a cancelled post held it: it no longer does
            SlotFill.objects.filter(slot=slot, occurrence_at=occurrence.at).delete()
        try:
            with transaction.atomic():
                fill = SlotFill.objects.create(slot=slot, occurrence_at=occurrence.at, post=post)
        except IntegrityError:
            raise SlotError(_("Questa uscita della rubrica è già occupata: riprova.")) from None
        record(
            action="slot.filled",
            actor=by,
            obj=slot,
            post_id=post.pk,
            summary=str(fill),
            after={"occurrence_at": occurrence.at.isoformat(), "post": post.pk},
        )
    return fill


def unskip_occurrence(slot: Slot, occurrence_at: datetime, *, by) -> bool:
    skip = SlotSkip.objects.filter(slot=slot, occurrence_at=occurrence_at).first()
    if skip is None:
        return False
    with transaction.atomic():
        skip.delete()
        record(
            action="slot.unskipped",
            actor=by,
            obj=slot,
            summary=str(skip),
            before={"occurrence_at": skip.occurrence_at.isoformat(), "reason": skip.reason},
        )
    return True


def send_empty_slot_reminders(*, now: datetime | None = None) -> int:
    """Tell each slot owner the empty occurrences due within SLOT_REMINDER_DAYS (a
    notification, and the email the owner chose for it).

    Safe to run twice a day: an occurrence already reminded today is not reminded again.
    Returns the number of owners reminded.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = now + timedelta(days=settings.SLOT_REMINDER_DAYS)
    open_occurrences = [
        o for o in occurrences_between(start=now, end=horizon) if o.is_open and o.slot.owner
    ]
    already = set(
        SlotReminder.objects.filter(sent_on=today, occurrence_at__gte=now).values_list(
            "slot_id", "occurrence_at"
        )
    )
    by_owner: dict = {}
    for occurrence in open_occurrences:
        if (occurrence.slot.pk, occurrence.at) in already:
            continue
        by_owner.setdefault(occurrence.slot.owner, []).append(occurrence)
    sent = 0
    for owner, occurrences in by_owner.items():
        if not owner.is_active:
            continue
        if _remind_owner(owner, occurrences, today=today):
            sent += 1
    return sent


def _remind_owner(owner, occurrences, *, today) -> bool:
    """Record then notify, in one transaction (the email is rendered in the owner's language;
    a mail server that refuses it is logged, the notification stays)."""
    with transaction.atomic():
        claimed = []
        for occurrence in occurrences:
            try:
                with transaction.atomic():
                    SlotReminder.objects.create(
                        slot=occurrence.slot,
                        occurrence_at=occurrence.at,
                        sent_on=today,
                        recipient=owner,
                    )
            except IntegrityError:
                continue  # a concurrent run took it
            claimed.append(occurrence)
        if not claimed:
            return False
        context = {
            "owner": owner,
            "occurrences": claimed,
            "site_url": settings.SITE_URL,
            "slots_url": settings.SITE_URL + reverse("slots:list"),
            "comune": getattr(settings, "COMUNE_NAME", ""),
        }
        count = len(claimed)

        def subject() -> str:
            if count == 1:
                return _("Rubriche da riempire: 1 uscita nei prossimi giorni")
            return _("Rubriche da riempire: %(n)s uscite nei prossimi giorni") % {"n": count}

        notify(
            [owner],
            Kind.SLOT_TO_FILL,
            params={"n": count},
            url=reverse("slots:list"),
            email=Email(
                subject=subject, template="slots/email/empty_reminder.txt", context=context
            ),
        )
    return True
