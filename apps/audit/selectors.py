from django.db.models import QuerySet

from .models import AuditEntry


def entries(
    *, actor_id=None, action: str = "", since=None, until=None, post_id=None
) -> QuerySet[AuditEntry]:
    """Audit entries newest first, filtered; [``since``, ``until``) are aware datetimes."""
    rows = AuditEntry.objects.select_related("actor")
    if actor_id:
        rows = rows.filter(actor_id=actor_id)
    if action:
        rows = rows.filter(action=action)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lt=until)
    if post_id:
        rows = rows.filter(post_id=post_id)
    return rows.order_by("-at", "-id")


def known_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())
