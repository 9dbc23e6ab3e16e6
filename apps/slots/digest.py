"""The draft text of an events digest slot, in each channel's tone."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.channels.enums import ChannelKind, Formality
from apps.events.models import EventStatus, local_days
from apps.events.selectors import public_events_between

from .models import Slot
from .recurrence import local_zone


def digest_window(slot: Slot, occurrence_at: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the events a digest occurrence covers, e.g. Friday 18:00 to Sunday 23:59."""
    zone = local_zone()
    day = timezone.localtime(occurrence_at, zone).date()
    start_day = day + timedelta(days=slot.digest_start_offset_days)
    end_day = day + timedelta(days=slot.digest_end_offset_days)
    start = datetime.combine(start_day, slot.digest_start_time or time(0, 0), tzinfo=zone)
    if slot.digest_end_time is None:
        end = datetime.combine(end_day + timedelta(days=1), time(0, 0), tzinfo=zone)
    else:
        end = datetime.combine(end_day, slot.digest_end_time, tzinfo=zone) + timedelta(minutes=1)
    return start, end


def events_page_url() -> str:
    return settings.SITE_URL + reverse("events:public_list")


@dataclass(frozen=True)
class DigestDays:
    """The first and last local day a digest covers."""

    first: date
    last: date

    @classmethod
    def of(cls, start: datetime, end: datetime) -> "DigestDays":
        zone = local_zone()
        last = timezone.localtime(end, zone) - timedelta(microseconds=1)  # end is exclusive
        return cls(timezone.localtime(start, zone).date(), last.date())


def _day(day) -> str:
    # Italian writes weekdays and months in lower case ("venerdì 6 marzo").
    return formats.date_format(day, "l j F").lower()


def _when(event, days: DigestDays | None = None) -> str:
    """When the event is, seen from the digest's days (``None``: its first day only): one day
    with its time; a multi-day event that began before them "fino a domenica 17 dicembre", or
    "tutto il weekend" when it also goes on after them; one that starts within them "da sabato
    16 dicembre a lunedì 18 dicembre". Never only a first day already past."""
    start = timezone.localtime(event.starts_at)
    single = _day(start) if event.all_day else f"{_day(start)}, {start:%H:%M}"
    if days is None:
        return single
    first, last = local_days(event.starts_at, event.ends_at, event.all_day)
    if first == last:
        return single
    if first < days.first:
        if last > days.last:
            return _("tutto il weekend")
        return _("fino a %(day)s") % {"day": _day(last)}
    return _("da %(first)s a %(last)s") % {"first": _day(first), "last": _day(last)}


def event_page_url(event) -> str:
    return settings.SITE_URL + reverse("events:public_detail", args=[event.pk])


def _line(event, *, emoji: bool, days=None, with_place: bool = True, with_link=False) -> str:
    if getattr(event, "status", "") == EventStatus.POSTPONED:
        # Not happening on these days: said, not listed as if it were.
        parts = [event.title, _("rinviato")]
    else:
        parts = [event.title, _when(event, days)]
        if with_place and event.location_name:
            parts.append(event.location_name)
    if with_link:
        parts.append(event_page_url(event))
    text = " · ".join(parts)
    return f"📅 {text}" if emoji else f"- {text}"


def _long_text(events, link: str, *, emoji: bool, formality: str, comune: str, days=None) -> str:
    if formality == Formality.FORMAL:
        intro = _("Di seguito gli eventi pubblici in programma nel %(comune)s.") % {
            "comune": comune
        }
    elif formality == Formality.INFORMAL:
        intro = _("Cosa fare questo fine settimana? Ecco gli appuntamenti nel %(comune)s") % {
            "comune": comune
        }
        intro += " 👇" if emoji else ":"
    else:
        intro = _("Gli eventi in programma nel %(comune)s:") % {"comune": comune}
    if not events:
        return "\n\n".join(
            [
                _("Nessun evento pubblico in programma in questo periodo."),
                _("Tutti gli eventi: %(link)s") % {"link": link},
            ]
        )
    lines = [_line(event, emoji=emoji, days=days, with_link=True) for event in events]
    return "\n\n".join([intro, "\n".join(lines), _("Tutti i dettagli: %(link)s") % {"link": link}])


def _short_text(events, link: str, *, limit: int, days=None) -> str:
    """For X and other short channels: titles and days only, then the count if it overflows."""
    head = _("Gli eventi in programma:") if events else _("Nessun evento in programma.")
    tail = link
    lines = []
    length = len(head) + 1 + len(tail)  # "\n".join([head, *lines, tail]), kept as a sum
    for event in events:
        line = _line(event, emoji=False, days=days, with_place=False)
        if length + 1 + len(line) > limit:
            break
        lines.append(line)
        length += 1 + len(line)
    if len(lines) < len(events):
        lines = [_("%(n)s eventi in programma, tutti i dettagli qui:") % {"n": len(events)}]
        head = ""
    return "\n".join(part for part in [head, *lines, tail] if part)


def digest_texts(slot: Slot, occurrence_at: datetime, channels) -> tuple[str, dict, str]:
    """(base text, {channel id: text}, link) for a digest occurrence."""
    start, end = digest_window(slot, occurrence_at)
    days = DigestDays.of(start, end)
    # Cancelled events are left out (public_events_between); postponed ones are marked.
    events = list(public_events_between(start=start, end=end))
    link = events_page_url()
    comune = getattr(settings, "COMUNE_NAME", "") or _("Comune")
    base = _long_text(
        events, link, emoji=False, formality=Formality.NEUTRAL, comune=comune, days=days
    )
    variants = {}
    for channel in channels:
        limit = channel.char_limit or 20000
        if channel.kind == ChannelKind.X or limit < 600:
            text = _short_text(events, link, limit=limit, days=days)
        else:
            text = _long_text(
                events,
                link,
                emoji=bool(channel.emoji_allowed),
                formality=channel.formality or Formality.NEUTRAL,
                comune=comune,
                days=days,
            )
            if len(text) > limit:
                text = _short_text(events, link, limit=limit, days=days)
        variants[channel.pk] = text
    return base, variants, link
