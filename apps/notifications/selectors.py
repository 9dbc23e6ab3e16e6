"""Reads of the notification centre."""

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db.models import Q, QuerySet

from apps.accounts.roles import CAPABILITIES

from .models import Notification, NotificationSettings

PAGE_SIZE = 30
MENTION_SUGGESTIONS = 8
# The header shows the count on every page: kept this long in the cache, like the publishing
# banner's answer. Marking read forgets it (this process); a notification written by a worker
# shows in the header within this time, in the list (and the bell after any change) at once.
UNREAD_CACHE_SECONDS = 15


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user, *, fresh: bool = False) -> int:
    """How many of ``user``'s notifications are unread; from the cache unless ``fresh``."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = unread_cache_key(user.pk)
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    count = Notification.objects.filter(user=user, read_at__isnull=True).count()
    cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def notifications_for(user) -> QuerySet[Notification]:
    """Newest first; the list template touches nothing beyond the row."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def preferences_of(user) -> NotificationSettings | None:
    return NotificationSettings.objects.filter(user=user).first()


def colleagues(query: str = "") -> QuerySet[User]:
    """Active people of the office (a staff role, or a superuser) whose username or name
    starts with ``query``: whom a comment may mention. People without a role see no post, so
    they are never offered."""
    roles = [role.value for role in CAPABILITIES["plan"]]
    people = User.objects.filter(is_active=True).filter(
        Q(groups__name__in=roles) | Q(is_superuser=True)
    )
    query = query.strip().lstrip("@")
    if query:
        people = people.filter(
            Q(username__istartswith=query)
            | Q(first_name__istartswith=query)
            | Q(last_name__istartswith=query)
        )
    return people.distinct().order_by("username")
