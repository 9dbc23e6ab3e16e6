"""Reads of the inbox. ``response_time_figures`` is the plain selector other apps (insights)
may call for median and share answered within target."""

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
    from_collectors = {"mastodon", "telegram", "x"}
    pushed = {"facebook", "instagram"}
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
    """Answers in one channel and one ISO week (``week`` is its Monday)."""

    channel_id: int
    channel_name: str
    week: date
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


def response_time_figures(*, start: datetime, end: datetime) -> list[ResponseFigure]:
    """Median response time in working hours and the share answered within target, per
    channel and per week, for answers given in [start, end)."""
    rows = (
        ResponseTime.objects.filter(answered_at__gte=start, answered_at__lt=end)
        .select_related("channel")
        .only("channel__name", "channel_id", "answered_at", "working_seconds", "target_seconds")
    )
    groups: dict[tuple[int, date], ResponseFigure] = {}
    zone = timezone.get_current_timezone()
    for row in rows:
        day = row.answered_at.astimezone(zone).date()
        week = day - timedelta(days=day.weekday())
        figure = groups.get((row.channel_id, week))
        if figure is None:
            figure = groups[(row.channel_id, week)] = ResponseFigure(
                channel_id=row.channel_id,
                channel_name=row.channel.name,
                week=week,
                answered=0,
                median_hours=0.0,
                within_target=0,
                with_target=0,
            )
        figure.answered += 1
        figure.hours.append(row.working_seconds / 3600)
        if row.target_seconds is not None:
            figure.with_target += 1
            figure.within_target += row.working_seconds <= row.target_seconds
    for figure in groups.values():
        figure.median_hours = round(statistics.median(figure.hours), 1)
    return sorted(groups.values(), key=lambda f: (f.week, f.channel_name), reverse=True)


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
