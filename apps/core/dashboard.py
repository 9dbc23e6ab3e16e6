"""What the staff home page shows. Each section is filled by the app that owns it."""

from datetime import timedelta

from django.utils import timezone


def home_context(user) -> dict:
    from apps.accounts.roles import can
    from apps.planning.selectors import posts_between

    now = timezone.localtime()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    context = {
        "now": now,
        "upcoming_posts": posts_between(start=start, end=start + timedelta(days=8)),
        "can_review": can(user, "review"),
    }
    return context
