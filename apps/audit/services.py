from django.db import models

from .models import AuditEntry


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
    entry.save()
    return entry
