"""Reads of posts and categories for the calendar, the editor and other apps."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apps.channels.models import Channel

from .enums import PostStatus
from .models import ContentCategory, Post, Variant


def posts_between(*, start, end) -> QuerySet[Post]:
    """Posts planned in [start, end), with what a calendar or list shows preloaded."""
    return (
        Post.objects.filter(planned_at__gte=start, planned_at__lt=end)
        .select_related("category", "author")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.select_related("channel")))
        .order_by("planned_at", "id")
    )


def calendar_posts(
    *, start, end, channel=None, category=None, status: str = "", author=None
) -> list[Post]:
    """The posts a calendar view shows, filtered; three queries whatever their number.

    Only what a calendar card shows is loaded (texts are deferred); each variant gets its
    channel from one small query instead of a join per variant, since a month can hold
    thousands of variants on a handful of channels.
    """
    posts = (
        Post.objects.filter(planned_at__gte=start, planned_at__lt=end)
        .select_related("category")
        .defer("base_text", "notes", "indispensable_reason", "link")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.only("id", "post_id", "channel_id").order_by("channel_id"),
            )
        )
        .order_by("planned_at", "id")
    )
    if channel is not None:
        posts = posts.filter(pk__in=Variant.objects.filter(channel=channel).values("post_id"))
    if category is not None:
        posts = posts.filter(category=category)
    if status:
        posts = posts.filter(status=status)
    if author is not None:
        posts = posts.filter(author=author)
    posts = list(posts)
    if posts:
        channels = {c.pk: c for c in Channel.objects.all()}
        for post in posts:
            for variant in post.variants.all():
                variant.channel = channels[variant.channel_id]
    return posts


def active_categories() -> QuerySet[ContentCategory]:
    return ContentCategory.objects.filter(active=True)


@dataclass(frozen=True)
class CategoryShare:
    category: ContentCategory
    count: int
    share: int  # percent of the week's posts
    target: int  # percent set by the administrators

    @property
    def gap(self) -> int:
        return self.share - self.target


@dataclass(frozen=True)
class WeekBalance:
    monday: date
    total: int
    rows: list[CategoryShare]


def category_balance(
    posts: list[Post], *, categories: list[ContentCategory], mondays: list[date]
) -> list[WeekBalance]:
    """Posts per category in each week of ``mondays``, against each category's target share.

    Works on posts already loaded, so the calendar's query count does not grow. Cancelled
    posts do not count: they will not be read.
    """
    posts = [p for p in posts if p.status != PostStatus.CANCELLED]
    weeks = []
    for monday in mondays:
        in_week = [
            p for p in posts if 0 <= (timezone.localtime(p.planned_at).date() - monday).days < 7
        ]
        total = len(in_week)
        counts: dict[int, int] = {}
        for post in in_week:
            counts[post.category_id] = counts.get(post.category_id, 0) + 1
        shown = [c for c in categories if c.active or counts.get(c.pk)]
        rows = [
            CategoryShare(
                category=c,
                count=counts.get(c.pk, 0),
                share=round(100 * counts.get(c.pk, 0) / total) if total else 0,
                target=c.target_share,
            )
            for c in shown
        ]
        weeks.append(WeekBalance(monday=monday, total=total, rows=rows))
    return weeks
