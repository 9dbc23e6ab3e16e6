"""Working hours: opening days and hours, Italian holidays, Easter Monday, the patron saint."""

from datetime import date, time

from apps.inbox.workhours import OfficeCalendar, easter, holidays
from tests.inbox.conftest import at

CALENDAR = OfficeCalendar(day_start=time(8), day_end=time(17), patron=(6, 24), zone="Europe/Rome")


def test_easter_is_computed_for_known_years():
    assert [easter(y) for y in (2024, 2025, 2026, 2027)] == [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
    ]


def test_holidays_include_easter_monday_and_the_patron_saint():
    days = holidays(2026, (6, 24))
    assert date(2026, 4, 6) in days  # Lunedì dell'Angelo
    assert date(2026, 6, 24) in days  # the patron
    assert date(2026, 12, 8) in days and date(2026, 4, 25) in days
    assert date(2026, 6, 23) not in days


def test_working_seconds_count_only_opening_hours():
    # Friday 16:00 to Monday 9:00: one hour on Friday, one on Monday.
    assert CALENDAR.working_seconds(at(2026, 12, 4, 16, 0), at(2026, 12, 7, 9, 0)) == 2 * 3600


def test_a_target_skips_weekends_and_holidays():
    # Thursday 24 Dec 2026, 15:00 + 8 working hours: 2 h on the 24th; 25, 26 (Sat), 27 (Sun)
    # are closed; Monday 28 from 8:00, 6 more hours -> 14:00.
    assert CALENDAR.add_working_seconds(at(2026, 12, 24, 15, 0), 8 * 3600) == at(
        2026, 12, 28, 14, 0
    )


def test_a_message_at_night_starts_counting_at_opening():
    assert CALENDAR.add_working_seconds(at(2026, 12, 9, 22, 30), 3600) == at(2026, 12, 10, 9, 0)


def test_the_patron_saints_day_is_closed():
    # Tuesday 23 June 2026 16:00 + 2 h: one hour on the 23rd, the 24th closed, 9:00 on the 25th.
    assert CALENDAR.add_working_seconds(at(2026, 6, 23, 16, 0), 7200) == at(2026, 6, 25, 9, 0)


def test_working_seconds_are_zero_for_an_empty_or_reversed_span():
    assert CALENDAR.working_seconds(at(2026, 12, 7, 10), at(2026, 12, 7, 10)) == 0
    assert CALENDAR.working_seconds(at(2026, 12, 7, 11), at(2026, 12, 7, 10)) == 0
