from datetime import datetime

from django.db.models import QuerySet

from .models import Event, EventStatus


def public_events_between(*, start: datetime, end: datetime) -> QuerySet[Event]:
    """Published, not cancelled events that overlap [start, end), in time order."""
    return (
        Event.objects.filter(published=True, starts_at__lt=end, ends_at__gte=start)
        .exclude(status=EventStatus.CANCELLED)
        .select_related("category")
        .order_by("starts_at", "id")
    )
