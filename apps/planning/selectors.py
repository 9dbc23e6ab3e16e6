from django.db.models import Prefetch, QuerySet

from .models import Post, Variant


def posts_between(*, start, end) -> QuerySet[Post]:
    """Posts planned in [start, end), with what a calendar or list shows preloaded."""
    return (
        Post.objects.filter(planned_at__gte=start, planned_at__lt=end)
        .select_related("category", "author")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.select_related("channel")))
        .order_by("planned_at", "id")
    )
