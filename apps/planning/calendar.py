"""The calendar's periods and grid: which days a month, week or list view covers, and what
falls on each day. Pure functions over data already loaded (no queries here)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from apps.core.templatetags.pa_format import local_date

from .enums import PostStatus

MONTH = "mese"
WEEK = "settimana"
LIST = "elenco"
VIEWS = {MONTH: _("Mese"), WEEK: _("Settimana"), LIST: _("Elenco")}
LIST_DAYS = 28
# What one screen shows at most; the rest is one click away ("altri N"), so a crowded month
# renders in constant time. Every post still counts in the content-mix panel.
MONTH_POSTS_PER_DAY = 5
WEEK_POSTS_PER_HOUR = 4
LIST_MAX_POSTS = 150
# Week view rows: one per hour in office hours; earlier/later posts join the first/last row.
FIRST_HOUR, LAST_HOUR = 7, 21


@dataclass
class Period:
    view: str
    anchor: date
    first_day: date  # first day shown
    last_day: date  # last day shown (inclusive)
    prev_anchor: date
    next_anchor: date

    @property
    def start(self) -> datetime:
        return _midnight(self.first_day)

    @property
    def end(self) -> datetime:
        return _midnight(self.last_day + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [
            self.first_day + timedelta(days=n)
            for n in range((self.last_day - self.first_day).days + 1)
        ]

    @property
    def mondays(self) -> list[date]:
        return [d for d in self.days if d.weekday() == 0]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.get_current_timezone())


def parse_anchor(raw: str | None, today: date) -> date:
    """``?data=YYYY-MM-DD`` (or YYYY-MM); anything else, or an absurd year, means today."""
    if raw:
        for fmt in ("%Y-%m-%d", "%Y-%m"):
            try:
                parsed = datetime.strptime(raw.strip()[:10], fmt).date()
            except ValueError:
                continue
            if 1900 < parsed.year < 2200:
                return parsed
    return today


def period_for(view: str, anchor: date) -> Period:
    if view == WEEK:
        monday = anchor - timedelta(days=anchor.weekday())
        return Period(
            view,
            anchor,
            monday,
            monday + timedelta(days=6),
            monday - timedelta(days=7),
            monday + timedelta(days=7),
        )
    if view == LIST:
        return Period(
            view,
            anchor,
            anchor,
            anchor + timedelta(days=LIST_DAYS - 1),
            anchor - timedelta(days=LIST_DAYS),
            anchor + timedelta(days=LIST_DAYS),
        )
    first = anchor.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    last = next_month - timedelta(days=1)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    grid_first = first - timedelta(days=first.weekday())
    grid_last = last + timedelta(days=6 - last.weekday())
    return Period(MONTH, anchor, grid_first, grid_last, prev_month, next_month)


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    posts: list = field(default_factory=list)
    occurrences: list = field(default_factory=list)
    blackouts: list = field(default_factory=list)
    more: int = 0  # posts of the day not shown in this view
    total: int | None = None  # posts of the day, when counted in SQL rather than all loaded
    labels: dict = field(default_factory=dict)  # the day's texts, see day_labels()

    def shown(self, limit: int) -> "Day":
        """A copy showing at most ``limit`` posts, counting the others in ``more``."""
        total = len(self.posts) if self.total is None else self.total
        if total <= limit and len(self.posts) <= limit:
            return self
        posts = self.posts[:limit]
        return Day(
            self.day,
            self.in_month,
            self.is_today,
            posts,
            self.occurrences,
            self.blackouts,
            total - len(posts),
            total,
            self.labels,
        )

    @property
    def is_empty(self) -> bool:
        return not (self.posts or self.occurrences)


def build_days(
    period: Period, *, posts, occurrences, blackouts, today: date, totals=None
) -> list[Day]:
    """``totals`` ({day: count}): how many posts each day has, when ``posts`` holds only the
    first ones of each day."""
    by_day: dict[date, Day] = {
        d: Day(
            d,
            in_month=d.month == period.anchor.month,
            is_today=d == today,
            total=(totals or {}).get(d, 0) if totals is not None else None,
        )
        for d in period.days
    }
    for post in posts:
        day = by_day.get(timezone.localtime(post.planned_at).date())
        if day is not None:
            day.posts.append(post)
    labels = day_labels(list(by_day), today=today)
    for d, day in by_day.items():
        day.labels = labels[d]
    for occurrence in occurrences:
        day = by_day.get(timezone.localtime(occurrence.at).date())
        if day is not None:
            day.occurrences.append(occurrence)
    for blackout in blackouts:
        starts = timezone.localtime(_attr(blackout, "starts_at", "start")).date()
        # An end at midnight is exclusive: the period does not touch the next day.
        ends_at = _attr(blackout, "ends_at", "end") - timedelta(microseconds=1)
        ends = timezone.localtime(ends_at).date()
        for d, day in by_day.items():
            if starts <= d <= ends:
                day.blackouts.append(blackout)
    return list(by_day.values())


def _attr(obj, *names):
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    raise AttributeError(names[0])


def weeks_of(days: list[Day]) -> list[list[Day]]:
    shown = [d.shown(MONTH_POSTS_PER_DAY) for d in days]
    return [shown[i : i + 7] for i in range(0, len(shown), 7)]


def list_days(days: list[Day]) -> tuple[list[Day], date | None]:
    """Days with something to show, whole days up to LIST_MAX_POSTS posts; and where to go on."""
    shown, total = [], 0
    for day in days:
        if day.is_empty and not day.blackouts:
            continue
        if shown and total + len(day.posts) > LIST_MAX_POSTS:
            return shown, day.day
        shown.append(day)
        total += len(day.posts)
    return shown, None


def hour_rows(days: list[Day]) -> list[dict]:
    """The week view: one row per hour, each cell the posts and open slots of that day and hour."""
    cells: dict[tuple[date, int], dict] = defaultdict(lambda: {"posts": [], "occurrences": []})

    def row_of(at: datetime) -> int:
        return min(max(timezone.localtime(at).hour, FIRST_HOUR), LAST_HOUR)

    for day in days:
        for post in day.posts:
            cells[(day.day, row_of(post.planned_at))]["posts"].append(post)
        for occurrence in day.occurrences:
            cells[(day.day, row_of(occurrence.at))]["occurrences"].append(occurrence)
    rows = []
    for hour in range(FIRST_HOUR, LAST_HOUR + 1):
        row = []
        for day in days:
            cell = cells[(day.day, hour)]
            posts = cell["posts"]
            row.append(
                {
                    "day": day,
                    "hour": f"{hour:02d}:00",
                    "posts": posts[:WEEK_POSTS_PER_HOUR],
                    "more": max(0, len(posts) - WEEK_POSTS_PER_HOUR),
                    "occurrences": cell["occurrences"],
                }
            )
        rows.append({"hour": hour, "label": f"{hour:02d}:00", "cells": row})
    return rows


# --- Texts built once per page ---------------------------------------------------------------
# A month shows some two hundred cards in 35 day cells. Formatting dates, reversing URLs and
# localising numbers per card in the template was most of the page's time, so what a card or a
# day cell prints is computed here once, as plain strings, in the request's language and time
# zone; the templates (``planning/calendar.html#post-card``) only place them.


def day_labels(days: list[date], *, today: date) -> dict[date, dict]:
    """{day: texts of its cell}: ``iso`` (2030-03-15), ``number`` (15), ``weekday`` (as a
    heading: "Venerdì"), ``month`` ("marzo"), ``day_month`` ("15 marzo"), ``can_add`` (today
    or later). Month and weekday names are formatted once each, not once per day."""
    weekdays: dict[int, str] = {}
    months: dict[tuple[int, int], str] = {}
    labels = {}
    for day in days:
        if day.weekday() not in weekdays:
            weekdays[day.weekday()] = capfirst(local_date(day, "l"))
        if (day.year, day.month) not in months:
            months[(day.year, day.month)] = local_date(day, "F")
        month = months[(day.year, day.month)]
        labels[day] = {
            "iso": day.isoformat(),
            "number": str(day.day),
            "weekday": weekdays[day.weekday()],
            "month": month,
            "day_month": f"{day.day} {month}",
            "can_add": day >= today,
        }
    return labels


def dress_cards(posts, *, movable_ids) -> None:
    """Give each post (from ``selectors.calendar_posts``) ``card``: the strings its calendar
    card prints (ids, times in local time, links, status in words, channel icons)."""
    sprites = static("vendor/bootstrap-italia/svg/sprites.svg")
    icons: dict[int, str] = {}
    sets: dict[tuple[int, ...], str] = {}
    statuses = {value: str(label) for value, label in PostStatus.choices}
    detail = reverse("planning:post_detail", args=[0])
    move = reverse("planning:post_reschedule", args=[0])
    for post in posts:
        key = tuple(channel.pk for channel in post.card_channels)
        if key not in sets:
            for channel in post.card_channels:
                if channel.pk not in icons:
                    icons[channel.pk] = format_html(
                        '<svg class="icon icon-xs" role="img" aria-label="{}"><title>{}</title>'
                        '<use href="{}#{}"></use></svg>',
                        channel.name,
                        channel.name,
                        sprites,
                        channel.icon,
                    )
            sets[key] = format_html_join("", "{}", ((icons[pk],) for pk in key))
        local = timezone.localtime(post.planned_at)
        pk = str(post.pk)
        post.card = {
            "pk": pk,
            "version": str(post.version),
            "category_id": str(post.category_id),
            "time": local.strftime("%H:%M"),
            "iso": local.isoformat(),
            "date": local.date().isoformat(),
            "url": detail.replace("/0/", f"/{pk}/", 1),
            "move_url": move.replace("/0/", f"/{pk}/", 1),
            "status_label": statuses.get(post.status, post.status),
            "icons": sets[key],
            "movable": post.pk in movable_ids,
        }
