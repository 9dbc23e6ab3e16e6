"""What the staff home page shows. Each section reads through the selectors of the app that owns
it; the home app sits above all of them, so it may read any."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from apps.accounts.roles import can
from apps.channels.models import ChannelConnection, ConnectionStatus
from apps.crisis.selectors import open_crisis
from apps.inbox.selectors import overdue_count
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.planning.selectors import posts_between
from apps.publishing import selectors as publishing_selectors
from apps.slots.selectors import empty_occurrences

UPCOMING_DAYS = 7
EMPTY_SLOT_DAYS = 14
PANEL_LIMIT = 10


def home_context(user) -> dict:
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    can_review = can(user, "review")
    failures, failure_count = _failures()
    paused = Post.objects.filter(status=PostStatus.PAUSED).order_by("planned_at", "id")
    return {
        "now": now,
        "can_review": can_review,
        "can_handle_crisis": can(user, "crisis"),
        "upcoming_posts": list(
            posts_between(start=today, end=today + timedelta(days=UPCOMING_DAYS + 1))
        ),
        "my_actions": list(_awaiting_action(user, can_review=can_review)[:PANEL_LIMIT]),
        "empty_occurrences": empty_occurrences(days=EMPTY_SLOT_DAYS),
        "empty_slot_days": EMPTY_SLOT_DAYS,
        "failures": failures,
        "failure_count": failure_count,
        "open_crisis": open_crisis(),
        "channels_to_reconnect": _channels_to_reconnect(),
        "can_configure": can(user, "configure"),
        "paused_posts": list(paused[:PANEL_LIMIT]),
        "paused_count": paused.count(),
        "inbox_overdue": overdue_count() if can(user, "inbox") else 0,
    }


def _awaiting_action(user, *, can_review: bool):
    """My posts sent back for changes; for reviewers, colleagues' posts waiting for review."""
    wanted = Q(author=user, status=PostStatus.CHANGES_REQUESTED)
    if can_review:
        # An approver never approves their own post: those wait for someone else.
        wanted |= Q(status=PostStatus.IN_REVIEW) & ~Q(author=user)
    return (
        Post.objects.filter(wanted)
        .select_related("category", "author")
        .order_by("planned_at", "id")
    )


def _failures() -> tuple[list, int]:
    """Deliveries a person must verify first, then failed ones; the count of all of them."""
    rows = list(publishing_selectors.needing_check()[:PANEL_LIMIT])
    rows += list(publishing_selectors.failing()[: PANEL_LIMIT - len(rows)])
    return rows, max(publishing_selectors.problem_count(), len(rows))


def _channels_to_reconnect() -> list:
    return list(
        ChannelConnection.objects.filter(status=ConnectionStatus.NEEDS_RECONNECT)
        .select_related("channel")
        .order_by("channel__name")
    )
