"""Reads of posts and categories for the calendar, the editor and other apps."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, IntegerField, Prefetch, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils import timezone

from apps.channels.models import Channel

from .enums import PostStatus
from .models import Campaign, ContentCategory, Post, Variant


def posts_between(*, start, end) -> QuerySet[Post]:
    """Posts planned in [start, end), with what a calendar or list shows preloaded."""
    return (
        Post.objects.filter(planned_at__gte=start, planned_at__lt=end)
        .select_related("category", "author")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.select_related("channel")))
        .order_by("planned_at", "id")
    )


def _calendar_queryset(
    *, start, end, channel=None, category=None, status="", author=None, campaign=None, tag=None
):
    posts = Post.objects.filter(planned_at__gte=start, planned_at__lt=end)
    if campaign is not None:
        posts = posts.filter(campaign=campaign)
    if tag is not None:
        posts = posts.filter(pk__in=Post.tags.through.objects.filter(posttag=tag).values("post_id"))
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


def _local_day_number(start, end) -> RawSQL:
    """The local day of ``planned_at`` as its number in [start, end), in plain comparisons.

    TruncDate with a time zone would do, but on SQLite it calls back into Python for every
    row (a month of 2,000 posts: most of the view's time); comparing with the day boundaries,
    computed once here in local time (DST included), runs in the database itself. The
    comparisons are nested CASEs halving the days each time (6 per row for a month, not up to
    35), written as one raw expression with parameters: 35 ``When`` objects cost more to
    resolve and compile in the ORM, on every request, than the query took to run.
    """
    zone = timezone.get_current_timezone()
    days = _local_days(start, end)
    ends = [
        connection.ops.adapt_datetimefield_value(
            datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)
        )
        for day in days
    ]
    quote = connection.ops.quote_name
    column = f"{quote(Post._meta.db_table)}.{quote('planned_at')}"

    def between(first: int, last: int) -> tuple[str, list]:
        """The day number when it is known to be in [first, last]; ``len(days)`` is after."""
        if first == last:
            return str(first), []
        middle = (first + last) // 2
        before, before_params = between(first, middle)
        after, after_params = between(middle + 1, last)
        sql = f"CASE WHEN {column} < %s THEN {before} ELSE {after} END"
        return sql, [ends[middle], *before_params, *after_params]

    sql, params = between(0, len(days))
    return RawSQL(sql, params, output_field=IntegerField())


# What a calendar card (and the view's "may this person move it") reads of a post: loading only
# these halves the month query's time, since the window runs over every post of the month.
CARD_FIELDS = ("title", "planned_at", "status", "version", "author_id", "category__name")


def calendar_posts(
    *,
    start,
    end,
    channel=None,
    category=None,
    status: str = "",
    author=None,
    campaign=None,
    tag=None,
    per_day: int | None = None,
) -> list[Post]:
    """The posts a calendar view shows, filtered; three queries whatever their number.

    Only what a calendar card shows is loaded (``CARD_FIELDS``); each post gets
    ``card_channels``, its channels in id order. ``per_day``: only the first posts of each
    local day (a window function in SQL), for a month grid that shows no more than that.
    """
    posts = _calendar_queryset(
        start=start,
        end=end,
        channel=channel,
        category=category,
        status=status,
        author=author,
        campaign=campaign,
        tag=tag,
    )
    if per_day is not None:
        posts = posts.annotate(
            rank_in_day=Window(
                RowNumber(),
                partition_by=[_local_day_number(start, end)],
                order_by=["planned_at", "id"],
            )
        ).filter(rank_in_day__lte=per_day)
    posts = list(posts.select_related("category").only(*CARD_FIELDS).order_by("planned_at", "id"))
    if posts:
        # A card shows its channels, not its variants' texts: (post, channel) pairs in one
        # query, and the channels themselves from one small query, instead of a model
        # instance and a join per variant (a month can hold thousands on a handful of channels).
        channels = {c.pk: c for c in Channel.objects.all()}
        by_post: dict[int, list[Channel]] = {post.pk: [] for post in posts}
        pairs = (
            Variant.objects.filter(post_id__in=by_post)
            .order_by("post_id", "channel_id")
            .values_list("post_id", "channel_id")
        )
        for post_id, channel_id in pairs:
            by_post[post_id].append(channels[channel_id])
        for post in posts:
            post.card_channels = by_post[post.pk]
    return posts


def calendar_counts(
    *,
    start,
    end,
    channel=None,
    category=None,
    status: str = "",
    author=None,
    campaign=None,
    tag=None,
) -> dict[tuple[date, int], int]:
    """Posts per (local day, category) in the period, counted in SQL: {(day, category id):
    count}. Cancelled posts count under category None: in the day's total, not in the mix."""
    rows = (
        _calendar_queryset(
            start=start,
            end=end,
            channel=channel,
            category=category,
            status=status,
            author=author,
            campaign=campaign,
            tag=tag,
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


# --- Campaigns ------------------------------------------------------------------------------


def campaigns_with_counts() -> QuerySet[Campaign]:
    """Every campaign with ``post_count`` (cancelled posts left out), the newest first."""
    return Campaign.objects.annotate(
        post_count=Count("posts", filter=~Q(posts__status=PostStatus.CANCELLED))
    )


CAMPAIGN_PAGE_POSTS = 500


def campaign_posts(campaign: Campaign) -> list[Post]:
    """The campaign's posts (at most ``CAMPAIGN_PAGE_POSTS``, in time order) with their
    category, author, channels and tags: three queries whatever their number."""
    return list(
        Post.objects.filter(campaign=campaign)
        .select_related("category", "author")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.select_related("channel")))
        .prefetch_related("tags")
        .order_by("planned_at", "id")[:CAMPAIGN_PAGE_POSTS]
    )


def status_counts(posts) -> list[tuple[str, int]]:
    """(status label, count) for the statuses present, in the state machine's order."""
    counts: dict[str, int] = {}
    for post in posts:
        counts[post.status] = counts.get(post.status, 0) + 1
    return [(label, counts[value]) for value, label in PostStatus.choices if value in counts]
