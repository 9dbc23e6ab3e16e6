"""Demo: a post approved for two minutes ahead on the outbox channel, sent by the real worker.

Idempotent: a second load finds the post and changes nothing.
"""

from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.planning.enums import PostStatus
from apps.planning.models import ContentCategory, Post, Variant

from .services import schedule_deliveries

DEMO_TITLE = "Demo: pubblicazione automatica tra due minuti"
DEMO_TEXT = (
    "Da lunedì 1° dicembre lo Sportello anagrafe apre anche il giovedì pomeriggio, "
    "dalle 14:30 alle 17:30. Prenota il tuo appuntamento sul sito del Comune."
)


def load(ctx: dict) -> None:
    if Post.objects.filter(title=DEMO_TITLE).exists():
        return
    channel, _ = Channel.objects.get_or_create(
        name="Registro dimostrativo (outbox)", defaults={"kind": ChannelKind.OUTBOX}
    )
    category = ContentCategory.objects.filter(active=True).first()
    if category is None:
        category = ContentCategory.objects.create(name="Informativo", slug="informativo")
    users = ctx.get("users") or {}
    author = next(iter(users.values()), None) or User.objects.order_by("id").first()
    approver = users.get("Approvatori") or author
    if author is None:
        return
    now = timezone.now()
    post = Post.objects.create(
        title=DEMO_TITLE,
        category=category,
        planned_at=now + timedelta(minutes=2),
        base_text=DEMO_TEXT,
        status=PostStatus.APPROVED,
        author=author,
        approved_by=approver,
        approved_at=now,
        approved_version=1,
    )
    Variant.objects.create(post=post, channel=channel, text=DEMO_TEXT)
    schedule_deliveries(post=post)
