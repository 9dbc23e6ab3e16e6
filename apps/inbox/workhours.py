"""Working hours of the office: opening days and hours, Italian public holidays and the
patron saint's day. Response-time targets count only these hours.

Computed, not taken from a package: the national holidays are fixed by law (L. 260/1949 and
later), and the one movable one, Easter Monday, follows from Easter (Gregorian computus).
Times are wall-clock times in the site's time zone (Europe/Rome).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings

# Day and month of every fixed national holiday.
FIXED_HOLIDAYS = (
    (1, 1),  # Capodanno
    (1, 6),  # Epifania
    (4, 25),  # Festa della Liberazione
    (5, 1),  # Festa del lavoro
    (6, 2),  # Festa della Repubblica
    (8, 15),  # Ferragosto
    (11, 1),  # Ognissanti
    (12, 8),  # Immacolata
    (12, 25),  # Natale
    (12, 26),  # Santo Stefano
)
# Whatever is asked, a target is never looked for further than this (a bound on the loop).
MAX_DAYS = 3 * 366


def easter(year: int) -> date:
    """Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def holidays(year: int, patron: tuple[int, int] | None = None) -> frozenset[date]:
    days = {date(year, month, day) for month, day in FIXED_HOLIDAYS}
    days.add(easter(year) + timedelta(days=1))  # Lunedì dell'Angelo
    if patron is not None:
        try:
            days.add(date(year, *patron))
        except ValueError:  # 29 February in a common year, or a bad setting
            pass
    return frozenset(days)


@dataclass(frozen=True)
class OfficeCalendar:
    day_start: time = time(8, 0)
    day_end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    patron: tuple[int, int] | None = None
    zone: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone or settings.TIME_ZONE)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in holidays(day.year, self.patron)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.is_working_day(day) or self.day_end <= self.day_start:
            return None
        return (
            datetime.combine(day, self.day_start, tzinfo=self.tz),
            datetime.combine(day, self.day_end, tzinfo=self.tz),
        )

    def working_seconds(self, start: datetime, end: datetime) -> int:
        """Working seconds between two moments (0 when ``end`` is not after ``start``)."""
        if end <= start:
            return 0
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = 0.0
        day = start.date()
        last = min(end.date(), day + timedelta(days=MAX_DAYS))
        while day <= last:
            window = self._window(day)
            if window is not None:
                lo, hi = max(window[0], start), min(window[1], end)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return int(total)

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """The moment ``seconds`` of working time after ``start``."""
        start = start.astimezone(self.tz)
        remaining = float(max(seconds, 0))
        day = start.date()
        for _offset in range(MAX_DAYS):
            window = self._window(day)
            if window is not None:
                lo = max(window[0], start)
                if lo < window[1]:
                    available = (window[1] - lo).total_seconds()
                    if remaining <= available:
                        return lo + timedelta(seconds=remaining)
                    remaining -= available
            day += timedelta(days=1)
        return start + timedelta(days=MAX_DAYS)
