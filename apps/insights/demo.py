"""Demo: three months of believable results for the "Risultati" pages and the yearly report.

About a hundred posts sent in the last 90 days on the demo's social channels (walked through
the real delivery machine, as the review demo does), their readings at +1 h, +24 h, +7 d and
+30 d where that moment has passed, followers per channel and newsletter subscribers per day,
and the clicks counted on a few links. Figures follow what a Comune of 30,000 sees: Facebook
reaches most, Instagram reacts most, services news and evening posts do better. Idempotent:
a second load finds the readings and adds nothing. Seeded: the same figures every time.
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.newsletter.models import Subscriber
from apps.planning.enums import PostStatus
from apps.planning.models import ContentCategory, Post, Variant
from apps.planning.transitions import transition
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery, LinkClickDay, ShortLink
from apps.publishing.scheduling import schedule_deliveries
from apps.publishing.transitions import move_many

from .collecting import gives_numbers
from .enums import BUCKETS, OFFSET, SnapshotState
from .models import AccountFigure, MetricSnapshot, NewsletterFigure

DAYS = 90
TOPICS = [
    ("Raccolta differenziata: cambia il giorno dell'umido", "come-fare"),
    ("Carta d'identità elettronica: come prenotare", "come-fare"),
    ("Lavori in via Roma: strada chiusa di notte", "territorio"),
    ("Mercato contadino in piazza domenica", "territorio"),
    ("Iscrizioni al nido comunale aperte", "informativo"),
    ("Allerta gialla per temporali", "informativo"),
    ("Biblioteca: orari estivi", "informativo"),
    ("Bonus affitto: domande fino al 30", "come-fare"),
    ("Nuova pista ciclabile al parco fluviale", "territorio"),
    ("Consiglio comunale giovedì alle 18", "informativo"),
    ("Centro estivo: come iscriversi", "come-fare"),
    ("Festa del quartiere San Rocco", "territorio"),
    ("Tassa rifiuti: scadenza della prima rata", "come-fare"),
    ("Vaccinazioni antinfluenzali in farmacia", "informativo"),
    ("Potatura dei platani in viale Mazzini", "territorio"),
    ("Sportello anagrafe aperto il sabato", "informativo"),
]
# Impressions of a typical post after 30 days, per network (None: the network counts none).
AUDIENCE = {
    ChannelKind.FACEBOOK: 3200,
    ChannelKind.INSTAGRAM: 1900,
    ChannelKind.X: 650,
    ChannelKind.LINKEDIN: 420,
    ChannelKind.MASTODON: None,
    ChannelKind.BLUESKY: None,
    ChannelKind.THREADS: 900,
}
REACTION_RATE = {
    ChannelKind.FACEBOOK: 0.025,
    ChannelKind.INSTAGRAM: 0.05,
    ChannelKind.X: 0.015,
    ChannelKind.LINKEDIN: 0.03,
    ChannelKind.MASTODON: 0.0,
    ChannelKind.BLUESKY: 0.0,
    ChannelKind.THREADS: 0.03,
}
FOLLOWERS = {
    ChannelKind.FACEBOOK: 8200,
    ChannelKind.INSTAGRAM: 4100,
    ChannelKind.X: 2300,
    ChannelKind.LINKEDIN: 950,
    ChannelKind.MASTODON: 420,
    ChannelKind.BLUESKY: 310,
    ChannelKind.THREADS: 760,
    ChannelKind.TELEGRAM: 1300,  # subscribers: its posts have no numbers, the channel has
}
# The networks that count distinct accounts reached.
REACH_KINDS = (ChannelKind.FACEBOOK, ChannelKind.INSTAGRAM, ChannelKind.LINKEDIN)
CATEGORY_LIFT = {"come-fare": 1.3, "territorio": 1.1, "informativo": 0.9}
HOUR_LIFT = {8: 1.0, 9: 0.9, 12: 1.1, 13: 1.15, 18: 1.35, 19: 1.3}
SHARE_OF_FINAL = (0.3, 0.8, 0.95, 1.0)  # 1 h, 24 h, 7 d, 30 d


def load(ctx: dict) -> None:
    if MetricSnapshot.objects.exists():
        return
    rng = random.Random(19)
    users = ctx.get("users") or {}
    author = users.get(Role.EDITOR)
    if author is None:
        return
    kinds = list(AUDIENCE) + [ChannelKind.TELEGRAM]
    channels = {c.kind: c for c in Channel.objects.filter(kind__in=kinds)}
    categories = {c.slug: c for c in ContentCategory.objects.all()}
    if not channels or not categories:
        return
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    now = timezone.now()
    for n in range(round(DAYS * 1.15)):
        day = today - timedelta(days=DAYS - round(n / 1.15))
        if day >= today:
            continue
        title, slug = TOPICS[n % len(TOPICS)]
        category = categories.get(slug) or next(iter(categories.values()))
        hour = rng.choice(list(HOUR_LIFT))
        sent_at = datetime.combine(day, time(hour, rng.choice((0, 15, 30))), tzinfo=zone)
        on = [channels[k] for k in (ChannelKind.FACEBOOK, ChannelKind.X) if k in channels]
        on += [
            channels[k]
            for k in (ChannelKind.INSTAGRAM, ChannelKind.MASTODON, ChannelKind.TELEGRAM)
            if k in channels and rng.random() < 0.7
        ]
        on += [
            channels[k]
            for k in (ChannelKind.BLUESKY, ChannelKind.THREADS)
            if k in channels and rng.random() < 0.5
        ]
        if slug == "informativo" and ChannelKind.LINKEDIN in channels:
            on.append(channels[ChannelKind.LINKEDIN])
        post = _sent_post(title, category, author, sent_at, on)
        lift = CATEGORY_LIFT.get(slug, 1.0) * HOUR_LIFT[hour]
        lift *= 0.7 if day.weekday() >= 5 else 1.0
        for delivery in Delivery.objects.filter(variant__post=post).select_related("variant"):
            _readings(delivery, channels, lift, rng, now)
        if n % 4 == 0:
            _counted_link(post, channels[ChannelKind.FACEBOOK], sent_at.date(), rng, today)
    _followers(channels, today, rng)


def _sent_post(title, category, author, sent_at, channels) -> Post:
    text = f"{title}. Tutte le informazioni sul sito del Comune."
    post = Post.objects.create(
        title=f"{title} ({sent_at:%d/%m})",
        category=category,
        planned_at=sent_at,
        base_text=text,
        link="https://www.comune.esempio.it/notizie/",
        status=PostStatus.APPROVED,
        author=author,
        approved_by=author,
        approved_at=sent_at - timedelta(hours=20),
        approved_version=1,
    )
    Variant.objects.bulk_create(Variant(post=post, channel=c, text=text) for c in channels)
    deliveries = schedule_deliveries(post=post)
    # The demo walks the real machine (publishing.transitions): claimed, sending, sent.
    move_many(deliveries, D.WAITING, D.QUEUED, action="delivery.queued")
    move_many(deliveries, D.QUEUED, D.SENDING, action="delivery.sending")
    for delivery in move_many(
        deliveries, D.SENDING, D.SENT, action="delivery.sent", attempts=1, sent_at=sent_at
    ):
        Delivery.objects.filter(pk=delivery.pk).update(external_id=f"demo-{delivery.pk}")
    transition(post, PostStatus.PUBLISHED, by=None, note="Esito degli invii (dati dimostrativi).")
    return post


def _readings(delivery, channels, lift, rng, now) -> None:
    channel = delivery.variant.channel
    sent_at = delivery.sent_at or now
    if not gives_numbers(channel.kind):
        MetricSnapshot.objects.bulk_create(
            MetricSnapshot(
                delivery=delivery,
                bucket=bucket,
                phase=SnapshotState.NONE,
                due_at=sent_at + OFFSET[bucket],
                channel=channel,
                post_id=delivery.variant.post_id,
                sent_at=sent_at,
            )
            for bucket in BUCKETS
        )
        return
    audience = AUDIENCE.get(channel.kind)
    final = (audience or 400) * lift * rng.uniform(0.5, 1.6)
    rate = REACTION_RATE.get(channel.kind) or 0.0
    rows = []
    for bucket, share in zip(BUCKETS, SHARE_OF_FINAL, strict=True):
        taken_at = sent_at + OFFSET[bucket]
        if taken_at > now:
            break
        seen = final * share
        reactions = round(seen * rate) if rate else round(12 * lift * share * rng.uniform(0.5, 1.5))
        rows.append(
            MetricSnapshot(
                delivery=delivery,
                bucket=bucket,
                phase=SnapshotState.TAKEN,
                due_at=taken_at,
                taken_at=taken_at + timedelta(minutes=rng.randint(1, 50)),
                channel=channel,
                post_id=delivery.variant.post_id,
                sent_at=sent_at,
                impressions=round(seen) if audience else None,
                reach=round(seen * 0.72) if audience and channel.kind in REACH_KINDS else None,
                reactions=reactions,
                comments=round(reactions * rng.uniform(0.05, 0.2)),
                shares=round(reactions * rng.uniform(0.05, 0.25)),
                link_clicks=round(seen * 0.012)
                if channel.kind in (ChannelKind.FACEBOOK, ChannelKind.LINKEDIN)
                else None,
            )
        )
    if rows:
        rows[-1].is_latest = True
        MetricSnapshot.objects.bulk_create(rows)


def _counted_link(post, channel, day: date, rng, today: date) -> None:
    link = ShortLink.objects.create(
        code=f"demo{post.pk}", url=post.link, post=post, channel=channel
    )
    LinkClickDay.objects.bulk_create(
        LinkClickDay(link=link, day=day + timedelta(days=i), clicks=rng.randint(8, 60) // (i + 1))
        for i in range(4)
        if day + timedelta(days=i) < today
    )


def _followers(channels, today: date, rng) -> None:
    figures = []
    for kind, start in FOLLOWERS.items():
        if kind not in channels:
            continue
        followers = start
        for n in range(DAYS, 0, -1):
            followers += max(0, round(rng.gauss(start * 0.0012, start * 0.001)))
            figures.append(
                AccountFigure(
                    channel=channels[kind], day=today - timedelta(days=n), followers=followers
                )
            )
    AccountFigure.objects.bulk_create(figures)
    confirmed = max(Subscriber.objects.filter(confirmed_at__isnull=False).count(), 640)
    NewsletterFigure.objects.bulk_create(
        NewsletterFigure(
            day=today - timedelta(days=n),
            confirmed=confirmed - round(n * 0.7),
            unsubscribed=5 + (DAYS - n) // 6,
        )
        for n in range(DAYS, 0, -1)
    )
