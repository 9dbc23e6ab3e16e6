"""Reads of crisis and blackout state."""

from datetime import datetime

from django.db.models import Q, QuerySet

from apps.planning.enums import PostStatus
from apps.planning.models import Post

from .models import Blackout, Crisis


def open_crisis() -> Crisis | None:
    """The crisis in force, or None."""
    return (
        Crisis.objects.filter(ended_at__isnull=True)
        .select_related("declared_by")
        .prefetch_related("channels")
        .first()
    )


def crisis_history() -> QuerySet[Crisis]:
    return Crisis.objects.select_related("declared_by", "ended_by").prefetch_related("channels")


def crisis_covers_channel(crisis: Crisis, channel_id: int) -> bool:
    if crisis.all_channels:
        return True
    return crisis.channels.filter(pk=channel_id).exists()


def crisis_holds_post(crisis: Crisis | None, post) -> bool:
    """Whether the open ``crisis`` still holds ``post`` back, so that it cannot be resumed: it
    covers one of the post's channels and the post is not a crisis communication. The same rule
    as ``services._refuse_while_crisis_covers``; here with the crisis's prefetched channels
    and the post's prefetched variants, so a list of posts costs no query per post."""
    if crisis is None or post.is_crisis_communication:
        return False
    channel_ids = {v.channel_id for v in post.variants.all()}
    if crisis.all_channels:
        return bool(channel_ids)
    return bool(channel_ids & {c.pk for c in crisis.channels.all()})


def in_scope_filter(scope, prefix: str) -> Q:
    """Rows whose channel (``prefix`` is the path to the channel id) is in a scope's channels."""
    if scope.all_channels:
        return Q()
    return Q(**{f"{prefix}__in": scope.channels.values("pk")})


# --- Blackouts ----------------------------------------------------------------------------


def _blackouts() -> QuerySet[Blackout]:
    return Blackout.objects.prefetch_related("channels", "allowed_categories")


def blackouts_between(start: datetime, end: datetime) -> list[Blackout]:
    """Blackouts overlapping [start, end): what the calendar shades."""
    return list(_blackouts().filter(starts_at__lt=end, ends_at__gt=start))


def blackouts_covering(at: datetime, channel=None) -> list[Blackout]:
    """Blackouts in force at ``at``; with ``channel`` (object or id) only those covering it."""
    rows = _blackouts().filter(starts_at__lte=at, ends_at__gt=at)
    if channel is not None:
        channel_id = getattr(channel, "pk", channel)
        rows = rows.filter(Q(all_channels=True) | Q(channels=channel_id)).distinct()
    return list(rows)


def upcoming_blackouts(now: datetime) -> list[Blackout]:
    return list(_blackouts().filter(ends_at__gt=now))


def is_indispensable(post) -> bool:
    """Marked impersonal and indispensable *with* its justification: the one rule approval,
    the conflict lists and the send gate read (a database constraint keeps the reason)."""
    return bool(post.is_indispensable and post.indispensable_reason.strip())


def post_is_exempt_from_blackout(post, blackout: Blackout) -> bool:
    """Indispensable, or of a category the blackout allows."""
    if is_indispensable(post):
        return True
    return any(c.pk == post.category_id for c in blackout.allowed_categories.all())


def blackout_blocking_post_at(post, at: datetime, *, among=None) -> Blackout | None:
    """The blackout that forbids ``post`` at ``at`` on any of its channels, or None.

    ``among``: blackouts already loaded (with channels and categories) by a page that asks
    for many posts, so that it asks the database once."""
    channel_ids = {v.channel_id for v in post.variants.all()}
    if among is None:
        covering = blackouts_covering(at)
    else:
        covering = [b for b in among if b.starts_at <= at < b.ends_at]
    for blackout in covering:
        covered = blackout.all_channels or channel_ids & {c.pk for c in blackout.channels.all()}
        if covered and not post_is_exempt_from_blackout(post, blackout):
            return blackout
    return None


def blackout_blocking_approval(post) -> Blackout | None:
    """The blackout that forbids approving ``post`` as it stands, or None.

    A post planned inside a blackout covering any of its channels is refused unless its
    category is allowed there or it is marked indispensable with a justification.
    """
    return blackout_blocking_post_at(post, post.planned_at)


def posts_in_conflict(blackout: Blackout) -> list:
    """Approved (or paused) posts planned inside ``blackout`` that it would not let through."""
    posts = (
        Post.objects.filter(
            status__in=(PostStatus.APPROVED, PostStatus.PAUSED, PostStatus.IN_REVIEW),
            planned_at__gte=blackout.starts_at,
            planned_at__lt=blackout.ends_at,
        )
        .filter(in_scope_filter(blackout, "variants__channel"))
        .exclude(category__in=blackout.allowed_categories.values("pk"))
        .exclude(Q(is_indispensable=True) & ~Q(indispensable_reason=""))
        .select_related("category", "author")
        .distinct()
        .order_by("planned_at", "pk")
    )
    return list(posts)


# --- What the crisis page lists -----------------------------------------------------------


def paused_posts() -> QuerySet:
    return (
        Post.objects.filter(status=PostStatus.PAUSED)
        .select_related("category", "author")
        .prefetch_related("variants__channel")
        .order_by("planned_at", "pk")
    )
