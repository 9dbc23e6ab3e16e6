"""Demo slots of the Comune di Esempio, with filled, empty and skipped occurrences."""

from datetime import time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.accounts.roles import Role
from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.planning.models import ContentCategory

from .models import Slot
from .selectors import occurrences_between
from .services import fill_occurrence, skip_occurrence

DEMO_SLOTS = [
    {
        "name": "Eventi del weekend",
        "rrule": "FREQ=WEEKLY;BYDAY=FR",
        "time": time(12, 0),
        "category": ("territorio", "Territorio"),
        "channels": [ChannelKind.FACEBOOK, ChannelKind.TELEGRAM, ChannelKind.NEWSLETTER],
        "brief": (
            "Ogni venerdì gli appuntamenti del fine settimana: titolo, giorno, ora e luogo, "
            "con il link alla pagina degli eventi. Una foto di un evento, con testo alternativo."
        ),
        "is_events_digest": True,
        "digest_start_offset_days": 0,
        "digest_start_time": time(18, 0),
        "digest_end_offset_days": 2,
        "digest_end_time": time(23, 59),
    },
    {
        "name": "Come fare: la differenziata",
        "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        "time": time(10, 0),
        "category": ("come-fare", "Come fare"),
        "channels": [ChannelKind.FACEBOOK, ChannelKind.INSTAGRAM, ChannelKind.TELEGRAM],
        "brief": (
            "Un consiglio pratico sulla raccolta differenziata: dove va un rifiuto, "
            "orari dell'isola ecologica, calendario del porta a porta. Hashtag "
            "#RaccoltaDifferenziata."
        ),
    },
    {
        "name": "Scadenze del mese",
        "rrule": "FREQ=MONTHLY;BYDAY=1MO",
        "time": time(9, 0),
        "category": ("informativo", "Informativo"),
        "channels": [ChannelKind.WEBSITE, ChannelKind.NEWSLETTER, ChannelKind.TELEGRAM],
        "brief": (
            "Le scadenze del mese per i cittadini (TARI, IMU, iscrizioni ai servizi "
            "scolastici, bandi) con data, a chi si rivolgono e dove trovare i moduli."
        ),
    },
]


def _category(slug: str, name: str) -> ContentCategory:
    category = (
        ContentCategory.objects.filter(slug=slug).first()
        or ContentCategory.objects.filter(name__iexact=name).first()
    )
    if category is None:
        category = ContentCategory.objects.create(slug=slug, name=name)
    return category


def _owner(ctx: dict):
    users = ctx.get("users") or {}
    return users.get(Role.EDITOR) or get_user_model().objects.get(username="redattore")


def load(ctx: dict) -> None:
    owner = _owner(ctx)
    channels_by_kind = ctx.get("channels") or {}
    start_date = timezone.localdate() - timedelta(weeks=8)
    slots = {}
    for spec in DEMO_SLOTS:
        spec = dict(spec)
        kinds = spec.pop("channels")
        slug, name = spec.pop("category")
        slot, created = Slot.objects.get_or_create(
            name=spec.pop("name"),
            defaults={
                **spec,
                "category": _category(slug, name),
                "owner": owner,
                "start_date": start_date,
            },
        )
        if created:
            channels = [
                channels_by_kind.get(kind) or Channel.objects.filter(kind=kind).first()
                for kind in kinds
            ]
            slot.channels.set([c for c in channels if c is not None])
        slots[slot.name] = slot
    now = timezone.now()
    upcoming = occurrences_between(start=now, end=now + timedelta(days=70))
    # The next weekend digest is drafted, the one after is left empty.
    weekend = slots["Eventi del weekend"]
    if not weekend.fills.exists():
        first = next((o for o in upcoming if o.slot.pk == weekend.pk), None)
        if first is not None:
            fill_occurrence(weekend, first.at, by=owner)
    # One how-to is skipped for the holidays.
    howto = slots["Come fare: la differenziata"]
    if not howto.skips.exists():
        howtos = [o for o in upcoming if o.slot.pk == howto.pk]
        if len(howtos) >= 2:
            skip_occurrence(
                howto, howtos[1].at, by=owner, reason="Festività: ufficio chiuso, si riprende dopo"
            )
    ctx["slots"] = slots
