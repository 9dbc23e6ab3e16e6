"""What the "Risultati" pages and the yearly report show, read in a fixed number of queries
whatever the number of posts (tests count them): the newest reading of each delivery sent in
the period (``MetricSnapshot.is_latest``), the posts of the period, the rubriche's occurrences,
followers per day. Sums and medians are worked out here, in Python, on those rows.

"Interazioni" (engagement) is reactions + comments + shares: what a person did, on every
network that counts it. Views and reach are reported apart, where the network gives them.
"""

import calendar
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.audit.models import AuditEntry
from apps.channels.models import Channel
from apps.crisis.models import Blackout, Crisis
from apps.inbox.selectors import ResponseFigure, response_time_report
from apps.media_library.enums import AssetKind
from apps.media_library.models import PostAsset
from apps.planning.checks import gulpease
from apps.planning.enums import PostStatus
from apps.planning.models import ContentCategory, Post, PostImage
from apps.publishing.models import LinkClickDay
from apps.slots.models import Slot
from apps.slots.selectors import adherence

from .enums import BUCKETS, FIGURES, Bucket, SnapshotState
from .models import AccountFigure, MetricSnapshot, NewsletterFigure

PERIODS = {
    "week": gettext_lazy("Settimana"),
    "month": gettext_lazy("Mese"),
    "quarter": gettext_lazy("Trimestre"),
    "year": gettext_lazy("Anno"),
    "custom": gettext_lazy("Date a scelta"),
}
WEEKDAYS = [
    gettext_lazy("lun"),
    gettext_lazy("mar"),
    gettext_lazy("mer"),
    gettext_lazy("gio"),
    gettext_lazy("ven"),
    gettext_lazy("sab"),
    gettext_lazy("dom"),
]
TOP = 5
# Posts, readings and slots of one report: more would not be a Comune's year.
MAX_DAYS = 400


@dataclass(frozen=True)
class Period:
    start: date  # first day
    end: date  # last day (included)
    kind: str = "custom"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(0, 0), tzinfo=timezone.get_current_timezone())

    @property
    def ends_at(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(
            self.end + timedelta(days=1), time(0, 0), tzinfo=timezone.get_current_timezone()
        )

    @classmethod
    def around(cls, kind: str, day: date) -> "Period":
        if kind == "week":
            start = day - timedelta(days=day.weekday())
            return cls(start, start + timedelta(days=6), kind)
        if kind == "month":
            last = calendar.monthrange(day.year, day.month)[1]
            return cls(day.replace(day=1), day.replace(day=last), kind)
        if kind == "quarter":
            first_month = 3 * ((day.month - 1) // 3) + 1
            start = date(day.year, first_month, 1)
            last_month = first_month + 2
            last = calendar.monthrange(day.year, last_month)[1]
            return cls(start, date(day.year, last_month, last), kind)
        return cls(date(day.year, 1, 1), date(day.year, 12, 31), "year")


@dataclass(frozen=True)
class Filters:
    channel: int | None = None
    category: int | None = None
    rubrica: int | None = None
    author: int | None = None
    campaign: int | None = None

    def snapshots(self, queryset):
        if self.campaign:
            queryset = queryset.filter(post__campaign_id=self.campaign)
        if self.channel:
            queryset = queryset.filter(channel_id=self.channel)
        if self.category:
            queryset = queryset.filter(post__category_id=self.category)
        if self.author:
            queryset = queryset.filter(post__author_id=self.author)
        if self.rubrica:
            queryset = queryset.filter(post__slot_fill__slot_id=self.rubrica)
        return queryset

    def posts(self, queryset):
        if self.campaign:
            queryset = queryset.filter(campaign_id=self.campaign)
        if self.channel:
            queryset = queryset.filter(variants__channel_id=self.channel)
        if self.category:
            queryset = queryset.filter(category_id=self.category)
        if self.author:
            queryset = queryset.filter(author_id=self.author)
        if self.rubrica:
            queryset = queryset.filter(slot_fill__slot_id=self.rubrica)
        return queryset


def engagement(row: dict) -> int | None:
    values = [row[k] for k in ("reactions", "comments", "shares") if row.get(k) is not None]
    return sum(values) if values else None


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _sum(values) -> int | None:
    values = [v for v in values if v is not None]
    return sum(values) if values else None


@dataclass
class PostResult:
    post_id: int
    title: str = ""
    category: str = ""
    channels: list[str] = field(default_factory=list)
    sent_at: datetime | None = None
    engagement: int = 0
    impressions: int | None = None


@dataclass
class PeriodReport:
    period: Period
    filters: Filters
    deliveries: int
    posts: int
    totals: dict
    medians: dict
    best: list[PostResult]
    worst: list[PostResult]
    by_channel: list[dict]
    heat: list[list[float | None]]  # weekday x hour: median engagement
    heat_counts: list[list[int]]
    mix: list[dict]  # category, posts, share, target
    adherence: list[dict]
    followers: list[dict]  # channel, first, last, growth, points [(day, value)]
    newsletter: dict | None
    silent_channels: list[str]  # channels of the period that give no numbers
    site_clicks: int | None = None  # clicks counted by the Comune's own redirect
    mix_by_month: list[dict] = field(default_factory=list)  # month, {category: share}
    # Citizens' messages answered in the period (the inbox): per channel, and per channel and
    # week (month for periods longer than two months). Only the channel filter applies.
    responses: list[ResponseFigure] = field(default_factory=list)
    responses_over_time: list[ResponseFigure] = field(default_factory=list)
    responses_all_channels: list[ResponseFigure] = field(default_factory=list)
    responses_by: str = "week"


def period_report(period: Period, filters: Filters = Filters()) -> PeriodReport:
    start, end = period.starts_at, period.ends_at
    channels = {c.pk: c for c in Channel.objects.all()}
    rows = list(
        filters.snapshots(
            MetricSnapshot.objects.filter(is_latest=True, sent_at__gte=start, sent_at__lt=end)
        ).values("post_id", "channel_id", "sent_at", *FIGURES)
    )
    for row in rows:
        row["engagement"] = engagement(row)

    totals = {name: _sum(r[name] for r in rows) for name in (*FIGURES, "engagement")}
    medians = {name: _median(r[name] for r in rows) for name in (*FIGURES, "engagement")}

    per_post: dict[int, PostResult] = {}
    for row in rows:
        result = per_post.setdefault(row["post_id"], PostResult(row["post_id"]))
        result.engagement += row["engagement"] or 0
        if row["impressions"] is not None:
            result.impressions = (result.impressions or 0) + row["impressions"]
        result.channels.append(channels[row["channel_id"]].name)
        result.sent_at = min(filter(None, (result.sent_at, row["sent_at"])))
    ranked = sorted(per_post.values(), key=lambda r: (-r.engagement, r.post_id))
    best = ranked[:TOP]
    worst = sorted(ranked[TOP:], key=lambda r: (r.engagement, r.post_id))[:TOP] if ranked else []
    shown = {r.post_id for r in best + worst}
    for post in Post.objects.filter(pk__in=shown).values("pk", "title", "category__name"):
        for result in (r for r in best + worst if r.post_id == post["pk"]):
            result.title, result.category = post["title"], post["category__name"] or ""

    by_channel = []
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["channel_id"]].append(row)
    for channel_id, channel_rows in sorted(grouped.items(), key=lambda i: channels[i[0]].name):
        by_channel.append(
            {
                "channel": channels[channel_id].name,
                "deliveries": len(channel_rows),
                "impressions": _sum(r["impressions"] for r in channel_rows),
                "engagement": _sum(r["engagement"] for r in channel_rows),
                "median": _median(r["engagement"] for r in channel_rows),
            }
        )

    cells = defaultdict(list)
    zone = timezone.get_current_timezone()
    for row in rows:
        local = row["sent_at"].astimezone(zone)
        cells[(local.weekday(), local.hour)].append(row["engagement"])
    heat = [[_median(cells.get((d, h), [])) for h in range(24)] for d in range(7)]
    heat_counts = [[len(cells.get((d, h), [])) for h in range(24)] for d in range(7)]

    silent = (
        filters.snapshots(
            MetricSnapshot.objects.filter(
                phase=SnapshotState.NONE,
                bucket=Bucket.HOUR,
                sent_at__gte=start,
                sent_at__lt=end,
            )
        )
        .values_list("channel_id", flat=True)
        .distinct()
    )
    responses_by = "week" if (period.end - period.start).days < 62 else "month"
    responses = response_time_report(
        start=start, end=end, by=responses_by, channel_id=filters.channel
    )
    return PeriodReport(
        period=period,
        filters=filters,
        deliveries=len(rows),
        posts=len(per_post),
        totals=totals,
        medians=medians,
        best=best,
        worst=worst,
        by_channel=by_channel,
        heat=heat,
        heat_counts=heat_counts,
        mix=content_mix(period, filters),
        adherence=rubrica_adherence(period, filters),
        followers=followers_growth(period, channels, filters),
        newsletter=newsletter_growth(period),
        silent_channels=sorted(channels[pk].name for pk in set(silent)),
        site_clicks=site_clicks(period, filters),
        mix_by_month=mix_by_month(period, filters),
        responses=responses.per_channel,
        responses_over_time=responses.over_time,
        responses_all_channels=responses.all_channels,
        responses_by=responses_by,
    )


def mix_by_month(period: Period, filters: Filters) -> list[dict]:
    """Month by month (for periods longer than a month), each category's share of the posts
    published: the content mix over time."""
    if (period.end - period.start).days < 32:
        return []
    rows = (
        filters.posts(
            Post.objects.filter(
                status=PostStatus.PUBLISHED,
                planned_at__gte=period.starts_at,
                planned_at__lt=period.ends_at,
            )
        )
        .annotate(month=TruncMonth("planned_at", tzinfo=timezone.get_current_timezone()))
        .values_list("month", "category__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("month")
    )
    months: dict = {}
    for month, category, n in rows:
        months.setdefault(month.date() if hasattr(month, "date") else month, {})[category or ""] = n
    result = []
    for month, counts in months.items():
        total = sum(counts.values())
        result.append(
            {
                "month": month,
                "shares": {name: round(100 * n / total) for name, n in counts.items()},
            }
        )
    return result


def site_clicks(period: Period, filters: Filters) -> int | None:
    """Clicks counted by the Comune's redirect (``/l/<code>``) in the period; None when no
    link was counted (the administrator did not turn counting on)."""
    days = LinkClickDay.objects.filter(day__gte=period.start, day__lte=period.end)
    if filters.channel:
        days = days.filter(link__channel_id=filters.channel)
    if filters.category:
        days = days.filter(link__post__category_id=filters.category)
    if filters.author:
        days = days.filter(link__post__author_id=filters.author)
    if filters.rubrica:
        days = days.filter(link__post__slot_fill__slot_id=filters.rubrica)
    if filters.campaign:
        days = days.filter(link__post__campaign_id=filters.campaign)
    return days.aggregate(total=Sum("clicks"))["total"]


def content_mix(period: Period, filters: Filters) -> list[dict]:
    """Published posts per category in the period, as a share, beside the category's target."""
    counts = dict(
        filters.posts(
            Post.objects.filter(
                status=PostStatus.PUBLISHED,
                planned_at__gte=period.starts_at,
                planned_at__lt=period.ends_at,
            )
        )
        .values_list("category_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("category_id", "n")
    )
    total = sum(counts.values())
    mix = []
    for category in ContentCategory.objects.order_by("position", "name"):
        posts = counts.get(category.pk, 0)
        if not posts and not category.active:
            continue
        mix.append(
            {
                "category": category.name,
                "posts": posts,
                "share": round(100 * posts / total) if total else 0,
                "target": category.target_share,
            }
        )
    return mix


def rubrica_adherence(period: Period, filters: Filters) -> list[dict]:
    slots = Slot.objects.order_by("name")
    if filters.rubrica:
        slots = slots.filter(pk=filters.rubrica)
    if filters.category:
        slots = slots.filter(category_id=filters.category)
    slots = list(slots)
    figures = adherence(slots=slots, start=period.starts_at, end=period.ends_at)
    return [
        {
            "rubrica": slot.name,
            "planned": figures[slot.pk].planned,
            "on_time": figures[slot.pk].on_time,
            "late": figures[slot.pk].filled - figures[slot.pk].on_time,
            "skipped": figures[slot.pk].skipped,
            "missed": figures[slot.pk].missed,
            "share": figures[slot.pk].share,
        }
        for slot in slots
        if figures[slot.pk].planned
    ]


def followers_growth(period: Period, channels: dict, filters: Filters) -> list[dict]:
    figures = AccountFigure.objects.filter(day__gte=period.start, day__lte=period.end)
    if filters.channel:
        figures = figures.filter(channel_id=filters.channel)
    series = defaultdict(list)
    for channel_id, day, followers in figures.order_by("day").values_list(
        "channel_id", "day", "followers"
    ):
        series[channel_id].append((day, followers))
    result = []
    for channel_id, points in sorted(series.items(), key=lambda i: channels[i[0]].name):
        result.append(
            {
                "channel": channels[channel_id].name,
                "first": points[0][1],
                "last": points[-1][1],
                "growth": points[-1][1] - points[0][1],
                "points": _thin(points),
            }
        )
    return result


def _thin(points: list, keep: int = 13) -> list:
    """At most ``keep`` points, evenly spread, first and last always kept."""
    if len(points) <= keep:
        return points
    step = (len(points) - 1) / (keep - 1)
    return [points[round(i * step)] for i in range(keep)]


def newsletter_growth(period: Period) -> dict | None:
    days = list(
        NewsletterFigure.objects.filter(day__gte=period.start, day__lte=period.end).order_by("day")
    )
    if not days:
        return None
    return {
        "first": days[0].confirmed,
        "last": days[-1].confirmed,
        "growth": days[-1].confirmed - days[0].confirmed,
        "unsubscribed": days[-1].unsubscribed - days[0].unsubscribed,
    }


# --- One campaign ----------------------------------------------------------------------

CAMPAIGN_FIGURES = ("reach", "impressions", "reactions", "comments", "shares", "link_clicks")


@dataclass
class CampaignPostResult:
    post_id: int
    title: str
    sent_at: datetime | None
    channels: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)  # figure -> sum over its channels (or None)
    site_clicks: int | None = None


@dataclass
class CampaignResults:
    totals: dict  # figure (and "engagement", "site_clicks") -> sum, None where unknown
    posts: list[CampaignPostResult]  # the posts with readings, in the order they went out


def campaign_results(campaign_id: int) -> CampaignResults:
    """What a campaign's posts reached, whenever they went out: the newest reading of each
    delivery summed per post and over the campaign, and the clicks the Comune's redirect
    counted. Two queries whatever the number of posts."""
    rows = list(
        MetricSnapshot.objects.filter(is_latest=True, post__campaign_id=campaign_id)
        .values("post_id", "post__title", "channel__name", "sent_at", *CAMPAIGN_FIGURES)
        .order_by("sent_at", "post_id", "channel__name")
    )
    clicks = dict(
        LinkClickDay.objects.filter(link__post__campaign_id=campaign_id)
        .values_list("link__post_id")
        .annotate(n=Sum("clicks"))
        .values_list("link__post_id", "n")
    )
    per_post: dict[int, CampaignPostResult] = {}
    for row in rows:
        row["engagement"] = engagement(row)
        result = per_post.get(row["post_id"])
        if result is None:
            result = per_post[row["post_id"]] = CampaignPostResult(
                post_id=row["post_id"],
                title=row["post__title"],
                sent_at=row["sent_at"],
                site_clicks=clicks.get(row["post_id"]),
            )
        result.channels.append(row["channel__name"])
        for name in (*CAMPAIGN_FIGURES, "engagement"):
            if row[name] is not None:
                result.figures[name] = (result.figures.get(name) or 0) + row[name]
    for result in per_post.values():
        for name in (*CAMPAIGN_FIGURES, "engagement"):
            result.figures.setdefault(name, None)
    totals = {name: _sum(r[name] for r in rows) for name in (*CAMPAIGN_FIGURES, "engagement")}
    totals["site_clicks"] = _sum(clicks.values())
    return CampaignResults(totals=totals, posts=list(per_post.values()))


# --- One post ---------------------------------------------------------------------------


@dataclass
class DeliveryCurve:
    channel: str
    gives_numbers: bool
    state: str  # of its readings: taken / gone / none / due
    values: dict  # figure -> [value per bucket]
    medians: dict  # figure -> [median of the category on this channel per bucket]


def post_curves(post: Post, *, since_days: int = 365) -> list[DeliveryCurve]:
    """Each delivery's readings over the four moments, beside the median of the post's
    category on the same channel (posts sent in the year before)."""
    snapshots = list(
        MetricSnapshot.objects.filter(post=post).values("channel_id", "bucket", "phase", *FIGURES)
    )
    channel_ids = {s["channel_id"] for s in snapshots}
    channels = {c.pk: c for c in Channel.objects.filter(pk__in=channel_ids)}
    peers = (
        MetricSnapshot.objects.filter(
            channel_id__in=channel_ids,
            phase=SnapshotState.TAKEN,
            post__category_id=post.category_id,
            sent_at__gte=timezone.now() - timedelta(days=since_days),
        )
        .exclude(post=post)  # the others of its category: the post is compared, not counted
        .values("channel_id", "bucket", *FIGURES)
    )
    pooled = defaultdict(list)
    for row in peers:
        row["engagement"] = engagement(row)
        pooled[(row["channel_id"], row["bucket"])].append(row)
    curves = []
    for channel_id in sorted(channel_ids, key=lambda pk: channels[pk].name):
        own = {s["bucket"]: s for s in snapshots if s["channel_id"] == channel_id}
        for row in own.values():
            row["engagement"] = engagement(row)
        states = {s["phase"] for s in own.values()}
        values, medians = {}, {}
        for name in ("engagement", "impressions", "reach", "link_clicks"):
            values[name] = [
                own[b][name] if b in own and own[b]["phase"] == SnapshotState.TAKEN else None
                for b in BUCKETS
            ]
            medians[name] = [
                _median(r[name] for r in pooled.get((channel_id, b), [])) for b in BUCKETS
            ]
        curves.append(
            DeliveryCurve(
                channel=channels[channel_id].name,
                gives_numbers=SnapshotState.NONE not in states,
                state=(
                    SnapshotState.GONE
                    if SnapshotState.GONE in states
                    else SnapshotState.NONE
                    if SnapshotState.NONE in states
                    else SnapshotState.TAKEN
                ),
                values=values,
                medians=medians,
            )
        )
    return curves


# --- The year ---------------------------------------------------------------------------


@dataclass
class YearReport:
    year: int
    results: PeriodReport
    channels: list[dict]  # name, kind, followers at the end of the year, deliveries
    by_category: list[dict]
    by_rubrica: list[dict]
    crises: list[dict]
    blackouts: list[dict]
    alt_text: dict
    readability: list[dict]


def year_report(year: int) -> YearReport:
    period = Period(date(year, 1, 1), date(year, 12, 31), "year")
    results = period_report(period)
    start, end = period.starts_at, period.ends_at
    published = Post.objects.filter(
        status=PostStatus.PUBLISHED, planned_at__gte=start, planned_at__lt=end
    )

    last_followers = {}
    for channel_id, followers in (
        AccountFigure.objects.filter(day__gte=period.start, day__lte=period.end)
        .order_by("day")
        .values_list("channel_id", "followers")
    ):
        last_followers[channel_id] = followers
    sent = dict(
        MetricSnapshot.objects.filter(bucket=Bucket.HOUR, sent_at__gte=start, sent_at__lt=end)
        .values_list("channel_id")
        .annotate(n=Count("pk"))
        .values_list("channel_id", "n")
    )
    channels = [
        {
            "name": c.name,
            "kind": c.get_kind_display(),
            "followers": last_followers.get(c.pk),
            "deliveries": sent.get(c.pk, 0),
        }
        for c in Channel.objects.order_by("name")
        if c.active or sent.get(c.pk)
    ]

    by_rubrica = [
        {"rubrica": name, "posts": n}
        for name, n in published.filter(slot_fill__isnull=False)
        .values_list("slot_fill__slot__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "slot_fill__slot__name")
        .values_list("slot_fill__slot__name", "n")
    ]

    paused_at = list(
        AuditEntry.objects.filter(
            action="post.paused_by_crisis", at__gte=start, at__lt=end
        ).values_list("at", flat=True)
    )
    crises = []
    for crisis in (
        Crisis.objects.filter(declared_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))
        .prefetch_related("channels")
        .order_by("declared_at")
    ):
        until = crisis.ended_at or end
        crises.append(
            {
                "reason": crisis.reason,
                "declared_at": crisis.declared_at,
                "ended_at": crisis.ended_at,
                "channels": _("tutti i canali")
                if crisis.all_channels
                else ", ".join(c.name for c in crisis.channels.all()),
                "paused": sum(1 for at in paused_at if crisis.declared_at <= at <= until),
            }
        )
    blackouts = [
        {
            "kind": b.get_kind_display(),
            "reason": b.reason,
            "starts_at": b.starts_at,
            "ends_at": b.ends_at,
            "channels": _("tutti i canali")
            if b.all_channels
            else ", ".join(c.name for c in b.channels.all()),
        }
        for b in Blackout.objects.filter(starts_at__lt=end, ends_at__gte=start)
        .prefetch_related("channels")
        .order_by("starts_at")
    ]

    images = PostImage.objects.filter(post__in=published).aggregate(
        all=Count("pk"), described=Count("pk", filter=~Q(alt_text=""))
    )
    assets = PostAsset.objects.filter(post__in=published, asset__kind=AssetKind.IMAGE).aggregate(
        all=Count("pk"), described=Count("pk", filter=~Q(asset__alt_text=""))
    )
    alt_all = images["all"] + assets["all"]
    alt_described = images["described"] + assets["described"]
    alt_text = {
        "images": alt_all,
        "described": alt_described,
        "share": round(100 * alt_described / alt_all) if alt_all else None,
    }

    bands = [
        (80, _("facile (80 e oltre)")),
        (60, _("abbastanza facile (60-79)")),
        (40, _("impegnativo (40-59)")),
        (0, _("difficile (sotto 40)")),
    ]
    counted = dict.fromkeys(range(len(bands)), 0)
    for text in published.values_list("base_text", flat=True):
        score = gulpease(text or "")
        if score is None:
            continue
        counted[next(i for i, (floor, _label) in enumerate(bands) if score >= floor)] += 1
    total_texts = sum(counted.values())
    readability = [
        {
            "band": label,
            "posts": counted[i],
            "share": round(100 * counted[i] / total_texts) if total_texts else 0,
        }
        for i, (_floor, label) in enumerate(bands)
    ]
    return YearReport(
        year=year,
        results=results,
        channels=channels,
        by_category=results.mix,
        by_rubrica=by_rubrica,
        crises=crises,
        blackouts=blackouts,
        alt_text=alt_text,
        readability=readability,
    )


def staff_authors():
    """Who may be chosen as author in the filters: people who wrote a post."""
    return (
        get_user_model()
        .objects.filter(pk__in=Post.objects.values("author_id"))
        .order_by("first_name", "last_name", "username")
    )
