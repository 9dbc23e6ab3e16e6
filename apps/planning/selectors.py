"""Reads of posts and categories for the calendar, the editor and other apps."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.templatetags.static import static
from django.urls import reverse
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


def _calendar_queryset(*, start, end, channel=None, category=None, status="", author=None):
    posts = Post.objects.filter(planned_at__gte=start, planned_at__lt=end)
    if channel is not None:
        posts = posts.filter(pk__in=Variant.objects.filter(channel=channel).values("post_id"))
    if category is not None:
        posts = posts.filter(category=category)
    if status:
        posts = posts.filter(status=status)
    if author is not None:
        posts = posts.filter(author=author)
    return posts


def _local_days(start, end) -> list[date]:
    first = timezone.localtime(start).date()
    return [first + timedelta(days=n) for n in range((timezone.localtime(end).date() - first).days)]


def _local_day_number(start, end):
    """The local day of ``planned_at`` as its number in [start, end), in plain comparisons.

    TruncDate with a time zone would do, but on SQLite it calls back into Python for every
    row (a month of 2,000 posts: most of the view's time); comparing with the day boundaries,
    computed once here in local time (DST included), runs in the database itself.
    """
    zone = timezone.get_current_timezone()
    days = _local_days(start, end)
    boundaries = [
        datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone) for day in days
    ]
    return Case(
        *[When(planned_at__lt=b, then=Value(n)) for n, b in enumerate(boundaries)],
        default=Value(len(days)),
        output_field=IntegerField(),
    )


def calendar_posts(
    *,
    start,
    end,
    channel=None,
    category=None,
    status: str = "",
    author=None,
    per_day: int | None = None,
) -> list[Post]:
    """The posts a calendar view shows, filtered; three queries whatever their number.

    Only what a calendar card shows is loaded (texts are deferred); each variant gets its
    channel from one small query instead of a join per variant, since a month can hold
    thousands of variants on a handful of channels. ``per_day``: only the first posts of each
    local day (a window function in SQL), for a month grid that shows no more than that.
    """
    posts = _calendar_queryset(
        start=start, end=end, channel=channel, category=category, status=status, author=author
    )
    if per_day is not None:
        posts = posts.annotate(
            rank_in_day=Window(
                RowNumber(),
                partition_by=[_local_day_number(start, end)],
                order_by=["planned_at", "id"],
            )
        ).filter(rank_in_day__lte=per_day)
    posts = list(
        posts.select_related("category")
        .defer("base_text", "notes", "indispensable_reason", "link")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.only("id", "post_id", "channel_id").order_by("channel_id"),
            )
        )
        .order_by("planned_at", "id")
    )
    if posts:
        channels = {c.pk: c for c in Channel.objects.all()}
        # What every card links to, built once per page rather than once per card (a month
        # shows some two hundred): the icons' sprite, the post's page, its move address.
        sprites = static("vendor/bootstrap-italia/svg/sprites.svg")
        for channel in channels.values():
            channel.icon_url = f"{sprites}#{channel.icon}"
        detail = reverse("planning:post_detail", args=[0])
        move = reverse("planning:post_reschedule", args=[0])
        for post in posts:
            post.card_url = detail.replace("/0/", f"/{post.pk}/", 1)
            post.reschedule_url = move.replace("/0/", f"/{post.pk}/", 1)
            for variant in post.variants.all():
                variant.channel = channels[variant.channel_id]
    return posts


def calendar_counts(
    *, start, end, channel=None, category=None, status: str = "", author=None
) -> dict[tuple[date, int], int]:
    """Posts per (local day, category) in the period, counted in SQL: {(day, category id):
    count}. Cancelled posts count under category None: in the day's total, not in the mix."""
    rows = (
        _calendar_queryset(
            start=start, end=end, channel=channel, category=category, status=status, author=author
        )
        .annotate(day_number=_local_day_number(start, end))
        .values("day_number", "category_id", "status")
        .annotate(count=Count("id"))
        .order_by()
    )
    days = _local_days(start, end)
    counts: dict[tuple[date, int | None], int] = {}
    for row in rows:
        day = days[min(row["day_number"], len(days) - 1)]
        key = (day, None if row["status"] == PostStatus.CANCELLED else row["category_id"])
        counts[key] = counts.get(key, 0) + row["count"]
    return counts


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
    counts: dict, *, categories: list[ContentCategory], mondays: list[date]
) -> list[WeekBalance]:
    """Posts per category in each week of ``mondays``, against each category's target share.

    Works on :func:`calendar_counts`, so the calendar's query count does not grow. Cancelled
    posts do not count: they will not be read.
    """
    weeks = []
    for monday in mondays:
        counts_in_week: dict[int, int] = {}
        for (day, category_id), count in counts.items():
            if category_id is not None and 0 <= (day - monday).days < 7:
                counts_in_week[category_id] = counts_in_week.get(category_id, 0) + count
        total = sum(counts_in_week.values())
        shown = [c for c in categories if c.active or counts_in_week.get(c.pk)]
        rows = [
            CategoryShare(
                category=c,
                count=counts_in_week.get(c.pk, 0),
                share=round(100 * counts_in_week.get(c.pk, 0) / total) if total else 0,
                target=c.target_share,
            )
            for c in shown
        ]
        weeks.append(WeekBalance(monday=monday, total=total, rows=rows))
    return weeks
