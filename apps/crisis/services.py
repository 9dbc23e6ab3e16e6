"""Writes of blackout periods (electoral silence, mourning), audited.

What people do about a crisis (declare, end, recover) touches posts and deliveries, so it lives
above publishing, in ``apps.crisis_response``.
"""

from django.db import transaction

from apps.audit.services import record

from .models import Blackout


def _blackout_snapshot(blackout: Blackout) -> dict:
    return {
        "kind": blackout.kind,
        "reason": blackout.reason,
        "starts_at": blackout.starts_at.isoformat(),
        "ends_at": blackout.ends_at.isoformat(),
        "scope": ["*"]
        if blackout.all_channels
        else sorted(c.name for c in blackout.channels.all()),
        "allowed_categories": sorted(c.name for c in blackout.allowed_categories.all()),
    }


def save_blackout(form, *, by) -> Blackout:
    """Create or update a blackout from a valid BlackoutForm, audited."""
    creating = form.instance.pk is None
    before = None if creating else _blackout_snapshot(Blackout.objects.get(pk=form.instance.pk))
    with transaction.atomic():
        blackout = form.save(commit=False)
        if creating:
            blackout.created_by = by
        blackout.all_channels = not form.cleaned_data.get("channels")
        blackout.save()
        form.save_m2m()
        record(
            action="blackout.created" if creating else "blackout.updated",
            actor=by,
            obj=blackout,
            summary=blackout.reason,
            before=before,
            after=_blackout_snapshot(blackout),
        )
    return blackout


def delete_blackout(blackout: Blackout, *, by) -> None:
    with transaction.atomic():
        snapshot = _blackout_snapshot(blackout)
        record(
            action="blackout.deleted",
            actor=by,
            obj=blackout,
            summary=blackout.reason,
            before=snapshot,
        )
        blackout.delete()
