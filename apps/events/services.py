"""Writes of public events: every change is validated, audited and refreshes the feeds
(through the model signals in ``signals.py``)."""

from datetime import datetime

from dateutil import rrule as du
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import Summary, record

from . import signals
from .models import Event, EventStatus

# A change of any of these is significant: SEQUENCE grows (RFC 5545 3.8.7.4), so calendar
# clients that compare SEQUENCE take the new version. Time and place, as RFC 5545 asks, and the
# status: RFC 5546 treats a cancellation as a revision, and a client that honours SEQUENCE
# ignores an update carrying the sequence it already has (the event would stay "confirmed").
SIGNIFICANT = (
    "starts_at",
    "ends_at",
    "all_day",
    "location_name",
    "address",
    "rrule",
    "repeat_until",
    "status",
)
EDITABLE = (
    "title",
    "description",
    "all_day",
    "starts_at",
    "ends_at",
    "location_name",
    "address",
    "category",
    "organiser",
    "link",
    "image",
    "image_alt",
    "rrule",
    "repeat_until",
    "published",
    "status",
)


class EventError(Exception):
    """A change the rules refuse; the view shows the message."""


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    if hasattr(value, "pk"):
        return value.pk
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def validate_rrule(rule: str) -> None:
    if not rule:
        return
    try:
        du.rrulestr(rule, dtstart=datetime(2026, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ValidationError({"rrule": _("Ricorrenza non valida.")}) from exc
    if "UNTIL=" in rule.upper() or "COUNT=" in rule.upper():
        raise ValidationError({"rrule": _("Indica la fine della ricorrenza con «ripeti fino al».")})


def _check(event: Event) -> None:
    validate_rrule(event.rrule)
    if not event.rrule:
        event.repeat_until = None
    if event.ends_at and event.starts_at and event.ends_at < event.starts_at:
        raise ValidationError({"ends_at": _("La fine non può precedere l'inizio.")})
    if event.image and not event.image_alt.strip():
        raise ValidationError({"image_alt": _("Descrivi l'immagine per chi non la vede.")})
    event.full_clean()


def _status_side_effects(event: Event, previous_status: str | None) -> list[str]:
    if event.status == previous_status:
        return []
    if event.status == EventStatus.CANCELLED:
        event.cancelled_at = timezone.now()
    else:
        event.cancelled_at = None
    return ["cancelled_at"]


@transaction.atomic
def create_event(*, by, **fields) -> Event:
    """A new event; ``fields`` are model fields (see ``EDITABLE``)."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    event = Event(created_by=by if getattr(by, "is_authenticated", False) else None, **fields)
    _status_side_effects(event, EventStatus.CONFIRMED)
    _check(event)
    event.save()
    record(
        action="events.create",
        actor=by,
        obj=event,
        summary=lambda: _("Evento creato: %(title)s") % {"title": event.title},
        after={name: _plain(getattr(event, name)) for name in EDITABLE},
    )
    return event


@transaction.atomic
def update_event(
    *,
    event: Event,
    by,
    summary: Summary = "",
    action: str = "events.update",
    **changes,
) -> Event:
    """Apply ``changes``; SEQUENCE grows when time, place or status changes. Returns the event."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    # Locked, so two editors saving at once both count in SEQUENCE (PostgreSQL; SQLite
    # serializes writers anyway).
    stored = Event.objects.select_for_update().get(pk=event.pk)
    for name, value in changes.items():
        setattr(event, name, value)
    _check(event)
    changed = [name for name in EDITABLE if getattr(stored, name) != getattr(event, name)]
    if not changed:
        return event
    fields = set(changed) | {"updated_at"}
    fields.update(_status_side_effects(event, stored.status))
    if any(name in SIGNIFICANT for name in changed):
        event.sequence = stored.sequence + 1
        fields.add("sequence")
    event.save(update_fields=sorted(fields))
    if "image" in changed:
        signals.image_changed.send(sender=Event, event=event, by=by)
    record(
        action=action,
        actor=by,
        obj=event,
        summary=summary or (lambda: _("Evento modificato: %(title)s") % {"title": event.title}),
        before={name: _plain(getattr(stored, name)) for name in changed},
        after={name: _plain(getattr(event, name)) for name in changed},
    )
    return event


def cancel_event(*, event: Event, by) -> Event:
    """Cancelled events stay in the feeds (STATUS:CANCELLED) for the retention period."""
    if event.status == EventStatus.CANCELLED:
        raise EventError(_("L'evento è già annullato."))
    return update_event(
        event=event,
        by=by,
        status=EventStatus.CANCELLED,
        action="events.cancel",
        summary=lambda: _("Evento annullato: %(title)s") % {"title": event.title},
    )


def postpone_event(
    *, event: Event, by, starts_at: datetime | None = None, ends_at: datetime | None = None
) -> Event:
    """Postponed: new date unknown (TENTATIVE in the feeds), or moved to the given one."""
    if event.status == EventStatus.CANCELLED:
        raise EventError(_("Un evento annullato non si può rinviare: ripristinalo prima."))
    changes = {"status": EventStatus.POSTPONED}
    if starts_at is not None and ends_at is not None:
        changes.update(starts_at=starts_at, ends_at=ends_at)
    return update_event(
        event=event,
        by=by,
        action="events.postpone",
        summary=lambda: _("Evento rinviato: %(title)s") % {"title": event.title},
        **changes,
    )


def confirm_event(*, event: Event, by) -> Event:
    """Back to confirmed, e.g. a postponed event whose new date is now set."""
    if event.status == EventStatus.CONFIRMED:
        raise EventError(_("L'evento è già confermato."))
    return update_event(
        event=event,
        by=by,
        status=EventStatus.CONFIRMED,
        action="events.confirm",
        summary=lambda: _("Evento confermato: %(title)s") % {"title": event.title},
    )
