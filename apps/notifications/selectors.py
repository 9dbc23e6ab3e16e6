"""Reads of the notification centre."""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from apps.accounts.roles import CAPABILITIES

from .models import Notification, NotificationSettings

PAGE_SIZE = 30
MENTION_SUGGESTIONS = 8


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


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
