from django.db import models

from .models import AuditEntry


def entry_for(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    post_id: int | None = None,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """One audit entry, not saved yet (:func:`record` saves one, :func:`record_many` a batch)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    entry = AuditEntry(
        action=action,
        actor=actor,
        summary=summary,
        before=before,
        after=after,
        post_id=post_id,
    )
    if obj is not None:
        entry.object_type = obj._meta.label_lower
        entry.object_id = str(obj.pk)
        entry.object_repr = str(obj)[:300]
        if post_id is None and obj._meta.label_lower == "planning.post":
            entry.post_id = obj.pk
    return entry


def record(
    *,
    action: str,
    actor=None,
    obj: models.Model | None = None,
    post_id: int | None = None,
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one audit entry; every service that changes something calls this."""
    entry = entry_for(
        action=action,
        actor=actor,
        obj=obj,
        post_id=post_id,
        summary=summary,
        before=before,
        after=after,
    )
    entry.save()
    return entry


def record_many(entries: list[AuditEntry]) -> None:
    """Append a batch of entries (from :func:`entry_for`) in one INSERT."""
    AuditEntry.objects.bulk_create(entries)
