"""The slot recurrence: a small structured form of RFC 5545 RRULE, and its expansion.

People never type RRULE text: the form edits a :class:`Recurrence` and the slot stores
``Recurrence.to_rrule()``. Expansion happens in local Europe/Rome wall time, so a 12:00 slot
stays at 12:00 on both sides of a daylight-saving change.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as du
from django.conf import settings
from django.utils.translation import gettext_lazy as _

WEEKLY = "weekly"
MONTHLY = "monthly"

# RFC 5545 weekday codes, Monday first (Python's weekday() order).
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = (
    _("lunedì"),
    _("martedì"),
    _("mercoledì"),
    _("giovedì"),
    _("venerdì"),
    _("sabato"),
    _("domenica"),
)
ORDINAL_NAMES = {1: _("primo"), 2: _("secondo"), 3: _("terzo"), 4: _("quarto"), -1: _("ultimo")}
ORDINAL_NAMES_MASCULINE = {
    1: _("il primo"),
    2: _("il secondo"),
    3: _("il terzo"),
    4: _("il quarto"),
    -1: _("l'ultimo"),
}
# "la prima domenica": Sunday is the only feminine weekday in Italian.
ORDINAL_NAMES_FEMININE = {
    1: _("la prima"),
    2: _("la seconda"),
    3: _("la terza"),
    4: _("la quarta"),
    -1: _("l'ultima"),
}
SUNDAY = 6


class RecurrenceError(ValueError):
    """An RRULE this module does not know how to edit."""


@dataclass(frozen=True)
class Recurrence:
    frequency: str = WEEKLY
    weekdays: tuple[int, ...] = field(default_factory=tuple)  # weekly: 0=Monday … 6=Sunday
    interval: int = 1  # weekly: every N weeks
    ordinal: int = 1  # monthly: 1..4 or -1 (last)
    monthly_weekday: int = 0  # monthly: 0=Monday … 6=Sunday

    def to_rrule(self) -> str:
        if self.frequency == MONTHLY:
            return f"FREQ=MONTHLY;BYDAY={self.ordinal}{WEEKDAY_CODES[self.monthly_weekday]}"
        days = ",".join(WEEKDAY_CODES[d] for d in sorted(set(self.weekdays)))
        rule = f"FREQ=WEEKLY;BYDAY={days}"
        if self.interval > 1:
            rule = f"FREQ=WEEKLY;INTERVAL={self.interval};BYDAY={days}"
        return rule

    @property
    def touches_sunday(self) -> bool:
        if self.frequency == MONTHLY:
            return self.monthly_weekday == SUNDAY
        return SUNDAY in self.weekdays

    def describe(self) -> str:
        if self.frequency == MONTHLY:
            if self.monthly_weekday == SUNDAY:
                ordinal = ORDINAL_NAMES_FEMININE[self.ordinal]
            else:
                ordinal = ORDINAL_NAMES_MASCULINE[self.ordinal]
            return str(
                _("ogni mese, %(ordinal)s %(day)s")
                % {"ordinal": ordinal, "day": WEEKDAY_NAMES[self.monthly_weekday]}
            )
        days = ", ".join(str(WEEKDAY_NAMES[d]) for d in sorted(set(self.weekdays)))
        if self.interval > 1:
            return str(_("ogni %(n)s settimane: %(days)s") % {"n": self.interval, "days": days})
        return str(_("ogni settimana: %(days)s") % {"days": days})


def parse_rrule(text: str) -> Recurrence:
    """The structured form of an RRULE written by :meth:`Recurrence.to_rrule`."""
    parts = {}
    for chunk in text.strip().removeprefix("RRULE:").split(";"):
        if "=" in chunk:
            key, value = chunk.split("=", 1)
            parts[key.upper()] = value.upper()
    freq = parts.get("FREQ")
    byday = [d for d in parts.get("BYDAY", "").split(",") if d]
    try:
        if freq == "WEEKLY" and byday:
            return Recurrence(
                frequency=WEEKLY,
                weekdays=tuple(sorted(WEEKDAY_CODES.index(d) for d in byday)),
                interval=int(parts.get("INTERVAL", "1")),
            )
        if freq == "MONTHLY" and len(byday) == 1:
            code = byday[0]
            return Recurrence(
                frequency=MONTHLY,
                ordinal=int(code[:-2].lstrip("+") or "1"),
                monthly_weekday=WEEKDAY_CODES.index(code[-2:]),
            )
    except ValueError as exc:
        raise RecurrenceError(text) from exc
    raise RecurrenceError(text)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def expand(
    *,
    rrule: str,
    at: time,
    start_date: date,
    end_date: date | None,
    start: datetime,
    end: datetime,
) -> list[datetime]:
    """Aware local datetimes of the rule in [start, end), within the slot's own dates.

    The rule is expanded on naive wall-clock datetimes and only then given the local zone:
    expanding aware datetimes would shift the time by an hour across a DST change.
    """
    zone = local_zone()
    rule = du.rrulestr(rrule, dtstart=datetime.combine(start_date, at), ignoretz=True)
    window_start = start.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    window_end = end.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    if end_date is not None:
        window_end = min(window_end, datetime.combine(end_date, time.max))
    result = []
    for naive in rule.between(window_start, window_end, inc=True):
        if naive.date() < start_date or (end_date is not None and naive.date() > end_date):
            continue
        aware = naive.replace(tzinfo=zone)
        if start <= aware < end:
            result.append(aware)
    return result


def next_occurrences(
    *,
    rrule: str,
    at: time,
    start_date: date,
    end_date: date | None,
    after: datetime,
    count: int = 5,
) -> list[datetime]:
    """The next ``count`` occurrences from ``after`` (for the form's preview)."""
    found: list[datetime] = []
    window = timedelta(days=62)
    cursor = after
    # A monthly rule has at most one occurrence a month: 5 of them fit in about 6 windows.
    for _attempt in range(40):
        found += expand(
            rrule=rrule,
            at=at,
            start_date=start_date,
            end_date=end_date,
            start=cursor,
            end=cursor + window,
        )
        if len(found) >= count:
            break
        cursor += window
        if end_date is not None and cursor.date() > end_date:
            break
    return found[:count]
