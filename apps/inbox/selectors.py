"""Reads of the inbox. ``response_time_report`` (and ``response_time_figures``) are the plain
selectors other apps (insights) may call for median and share answered within target."""

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone

from apps.channels.models import Channel

from .collectors.registry import COLLECTORS, PUSHED_KINDS
from .enums import OPEN_STATUSES, Direction
from .models import ChannelListening, Conversation, Message, ResponseTime

PREVIEW_CHARS = 160
MAX_KEYWORD = 100


@dataclass(frozen=True)
class InboxFilters:
    channel: int | None = None
    status: str = ""
    kind: str = ""
    topic: int | None = None  # a ContentCategory's id
    assignee: str = ""  # a user id, "me" (needs ``user``), or "none"
    post: int | None = None
    since: date | None = None
    until: date | None = None
    question: bool = False
    keyword: str = ""
    crisis_since: datetime | None = None


def conversations_for_inbox(*, filters: InboxFilters, user=None, now=None) -> QuerySet:
    """Overdue first, then by due time, then the newest; with what the rows show preloaded."""
    now = now or timezone.now()
    last_in = Message.objects.filter(conversation=OuterRef("pk"), direction=Direction.IN).order_by(
        "-received_at", "-pk"
    )
    rows = Conversation.objects.select_related("channel", "assignee", "post", "topic").annotate(
        preview=Substr(Subquery(last_in.values("text")[:1]), 1, PREVIEW_CHARS),
        overdue=Case(
            When(status__in=OPEN_STATUSES, due_at__lt=now, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    f = filters
    if f.channel:
        rows = rows.filter(channel_id=f.channel)
    if f.status == "open":
        # Waiting for us: due_at is set, and the earliest due (the overdue ones) come first,
        # in the order of the due_at index.
        rows = rows.filter(status__in=OPEN_STATUSES).order_by("due_at", "pk")
    else:
        # Waiting first (by due time: overdue on top), then the rest, newest first.
        rows = rows.order_by(F("due_at").asc(nulls_last=True), "-last_message_at", "-pk")
        if f.status:
            rows = rows.filter(status=f.status)
    if f.kind:
        rows = rows.filter(kind=f.kind)
    if f.topic:
        rows = rows.filter(topic_id=f.topic)
    if f.assignee == "none":
        rows = rows.filter(assignee__isnull=True)
    elif f.assignee == "me" and user is not None:
        rows = rows.filter(assignee=user)
    elif f.assignee.isdigit():
        rows = rows.filter(assignee_id=int(f.assignee))
    if f.post:
        rows = rows.filter(post_id=f.post)
    zone = timezone.get_current_timezone()
    if f.since:
        rows = rows.filter(
            last_message_at__gte=datetime.combine(f.since, datetime.min.time(), tzinfo=zone)
        )
    if f.until:
        end = datetime.combine(f.until + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        rows = rows.filter(last_message_at__lt=end)
    if f.crisis_since:
        rows = rows.filter(last_message_at__gte=f.crisis_since)
    matching = Q()
    if f.question:
        matching &= Q(text__contains="?")
    if f.keyword:
        matching &= Q(text__icontains=f.keyword[:MAX_KEYWORD])
    if f.question or f.keyword:
        rows = rows.filter(
            Exists(
                Message.objects.filter(
                    matching, conversation=OuterRef("pk"), direction=Direction.IN
                )
            )
        )
    return rows


def unread_counts() -> dict[int, int]:
    return dict(
        Conversation.objects.filter(unread=True)
        .values_list("channel_id")
        .annotate(n=Count("pk"))
        .values_list("channel_id", "n")
    )


def overdue_count(*, now=None) -> int:
    now = now or timezone.now()
    return Conversation.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now).count()


@dataclass
class ChannelListeningRow:
    channel: Channel
    listening: ChannelListening | None
    unread: int
    pushed: bool


def channels_for_inbox() -> list[ChannelListeningRow]:
    from_collectors = set(COLLECTORS)
    pushed = set(PUSHED_KINDS)
    listening = {row.channel_id: row for row in ChannelListening.objects.all()}
    unread = unread_counts()
    return [
        ChannelListeningRow(
            channel=channel,
            listening=listening.get(channel.pk),
            unread=unread.get(channel.pk, 0),
            pushed=channel.kind in pushed,
        )
        for channel in Channel.objects.filter(
            active=True, kind__in=sorted(from_collectors | pushed)
        )
    ]


def thread(conversation: Conversation) -> list[Message]:
    return list(conversation.messages.select_related("sent_by").order_by("received_at", "pk"))


@dataclass
class ResponseFigure:
    """Answers in one channel and one ISO week (``week`` is its Monday; with ``by="month"``
    the first day of the month; None for the whole range)."""

    channel_id: int
    channel_name: str
    week: date | None
    answered: int
    median_hours: float
    within_target: int
    with_target: int
    hours: list[float] = field(default_factory=list, repr=False)

    @property
    def share_within_target(self) -> float | None:
        if not self.with_target:
            return None
        return round(100 * self.within_target / self.with_target, 1)


RESPONSE_GROUPS = ("week", "month")


def _starting(day: date, by: str | None) -> date | None:
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return None


@dataclass
class ResponseReport:
    per_channel: list[ResponseFigure]  # over the whole range, by channel name
    over_time: list[ResponseFigure]  # per channel and week or month, newest first
    all_channels: list[ResponseFigure]  # per week or month, every channel together (id 0)


def response_time_report(
    *, start: datetime, end: datetime, by: str = "week", channel_id: int | None = None
) -> ResponseReport:
    """For answers given in [start, end) (on one channel when ``channel_id`` is given), in one
    query: median response time in working hours and share answered within target, per
    channel over the whole range, per channel and week (or month), and per week (or month)
    for all channels together."""
    if by not in RESPONSE_GROUPS:
        raise ValueError(by)
    rows = ResponseTime.objects.filter(answered_at__gte=start, answered_at__lt=end)
    if channel_id is not None:
        rows = rows.filter(channel_id=channel_id)
    groups: tuple[dict, dict, dict] = ({}, {}, {})
    zone = timezone.get_current_timezone()
    for channel, name, answered_at, seconds, target in rows.values_list(
        "channel_id", "channel__name", "answered_at", "working_seconds", "target_seconds"
    ):
        since = _starting(answered_at.astimezone(zone).date(), by)
        for figures, key, label, moment in (
            (groups[0], channel, name, None),
            (groups[1], channel, name, since),
            (groups[2], 0, "", since),
        ):
            figure = figures.get((key, moment))
            if figure is None:
                figure = figures[(key, moment)] = ResponseFigure(
                    channel_id=key,
                    channel_name=label,
                    week=moment,
                    answered=0,
                    median_hours=0.0,
                    within_target=0,
                    with_target=0,
                )
            figure.answered += 1
            figure.hours.append(seconds / 3600)
            if target is not None:
                figure.with_target += 1
                figure.within_target += seconds <= target
    for figures in groups:
        for figure in figures.values():
            figure.median_hours = round(statistics.median(figure.hours), 1)
    newest_first = lambda f: (f.week, f.channel_name)  # noqa: E731
    return ResponseReport(
        per_channel=sorted(groups[0].values(), key=lambda f: (f.channel_name, f.channel_id)),
        over_time=sorted(groups[1].values(), key=newest_first, reverse=True),
        all_channels=sorted(groups[2].values(), key=newest_first, reverse=True),
    )


def response_time_figures(*, start: datetime, end: datetime) -> list[ResponseFigure]:
    """Median response time in working hours and the share answered within target, per
    channel and per week, for answers given in [start, end)."""
    return response_time_report(start=start, end=end, by="week").over_time


def conversations_of_citizen(query) -> QuerySet:
    return (
        Conversation.objects.filter(query)
        .select_related("channel", "post")
        .prefetch_related("messages", "handovers")
        .order_by("created_at")
    )


def by_status_counts() -> dict[str, int]:
    return dict(
        Conversation.objects.values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
