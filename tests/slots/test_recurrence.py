from datetime import date, time, timedelta

import pytest

from apps.slots.recurrence import (
    MONTHLY,
    WEEKLY,
    Recurrence,
    RecurrenceError,
    expand,
    next_occurrences,
    parse_rrule,
)
from tests.slots.conftest import ROME, rome


def _expand(rule, at, start, end, *, start_date=date(2026, 1, 1), end_date=None):
    return expand(rrule=rule, at=at, start_date=start_date, end_date=end_date, start=start, end=end)


def test_a_noon_slot_stays_at_noon_across_the_march_dst_change():
    found = _expand("FREQ=WEEKLY;BYDAY=SU", time(12), rome(2026, 3, 20), rome(2026, 4, 6))
    assert [(d.date(), d.hour, d.utcoffset()) for d in found] == [
        (date(2026, 3, 22), 12, timedelta(hours=1)),
        (date(2026, 3, 29), 12, timedelta(hours=2)),  # last Sunday of March: CEST
        (date(2026, 4, 5), 12, timedelta(hours=2)),
    ]


def test_a_noon_slot_stays_at_noon_across_the_october_dst_change():
    found = _expand("FREQ=WEEKLY;BYDAY=SA,SU", time(12), rome(2026, 10, 24), rome(2026, 10, 26))
    assert [(d.day, d.hour, d.utcoffset()) for d in found] == [
        (24, 12, timedelta(hours=2)),
        (25, 12, timedelta(hours=1)),  # last Sunday of October: back to CET
    ]


def test_every_other_week_counts_from_the_start_date():
    found = _expand(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        time(10),
        rome(2026, 1, 1),
        rome(2026, 2, 15),
        start_date=date(2026, 1, 6),
    )
    assert [d.date() for d in found] == [date(2026, 1, 6), date(2026, 1, 20), date(2026, 2, 3)]


def test_first_monday_of_the_month():
    found = _expand("FREQ=MONTHLY;BYDAY=1MO", time(9), rome(2026, 1, 1), rome(2026, 5, 1))
    assert [d.date() for d in found] == [
        date(2026, 1, 5),
        date(2026, 2, 2),
        date(2026, 3, 2),
        date(2026, 4, 6),
    ]


def test_last_friday_of_the_month_handles_month_ends():
    found = _expand("FREQ=MONTHLY;BYDAY=-1FR", time(9), rome(2026, 1, 1), rome(2026, 4, 1))
    assert [d.date() for d in found] == [date(2026, 1, 30), date(2026, 2, 27), date(2026, 3, 27)]


def test_occurrences_respect_start_and_end_dates():
    found = _expand(
        "FREQ=WEEKLY;BYDAY=FR",
        time(12),
        rome(2026, 1, 1),
        rome(2026, 3, 1),
        start_date=date(2026, 1, 9),
        end_date=date(2026, 1, 23),
    )
    assert [d.date() for d in found] == [date(2026, 1, 9), date(2026, 1, 16), date(2026, 1, 23)]


def test_the_window_is_half_open():
    found = _expand("FREQ=WEEKLY;BYDAY=FR", time(12), rome(2026, 1, 9, 12), rome(2026, 1, 16, 12))
    assert found == [rome(2026, 1, 9, 12)]
    assert found[0].tzinfo == ROME


def test_next_occurrences_finds_five_even_for_monthly_rules():
    found = next_occurrences(
        rrule="FREQ=MONTHLY;BYDAY=1MO",
        at=time(9),
        start_date=date(2026, 1, 1),
        end_date=None,
        after=rome(2026, 1, 10),
        count=5,
    )
    assert [d.month for d in found] == [2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "recurrence",
    [
        Recurrence(frequency=WEEKLY, weekdays=(0, 2, 4)),
        Recurrence(frequency=WEEKLY, weekdays=(1,), interval=2),
        Recurrence(frequency=MONTHLY, ordinal=1, monthly_weekday=0),
        Recurrence(frequency=MONTHLY, ordinal=-1, monthly_weekday=6),
    ],
)
def test_the_form_shape_survives_a_round_trip_through_rrule(recurrence):
    assert parse_rrule(recurrence.to_rrule()) == recurrence


def test_rrule_text_is_what_rfc_5545_expects():
    assert Recurrence(weekdays=(4, 0)).to_rrule() == "FREQ=WEEKLY;BYDAY=MO,FR"
    assert Recurrence(weekdays=(1,), interval=2).to_rrule() == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert Recurrence(frequency=MONTHLY, ordinal=-1, monthly_weekday=4).to_rrule() == (
        "FREQ=MONTHLY;BYDAY=-1FR"
    )


def test_a_rule_the_form_cannot_edit_is_refused():
    with pytest.raises(RecurrenceError):
        parse_rrule("FREQ=DAILY")


def test_descriptions_are_italian():
    assert Recurrence(weekdays=(4,)).describe() == "ogni settimana: venerdì"
    assert Recurrence(weekdays=(1,), interval=2).describe() == "ogni 2 settimane: martedì"
    assert Recurrence(frequency=MONTHLY, ordinal=1, monthly_weekday=0).describe() == (
        "ogni mese, il primo lunedì"
    )
    assert Recurrence(frequency=MONTHLY, ordinal=-1, monthly_weekday=6).describe() == (
        "ogni mese, l'ultima domenica"
    )


def test_a_time_missing_on_the_dst_sunday_still_yields_one_stable_occurrence():
    # The form refuses 02:30 on Sundays; a rule made elsewhere must still not break.
    found = _expand("FREQ=WEEKLY;BYDAY=SU", time(2, 30), rome(2026, 3, 28), rome(2026, 3, 30))
    again = _expand("FREQ=WEEKLY;BYDAY=SU", time(2, 30), rome(2026, 3, 28), rome(2026, 3, 30))
    assert len(found) == 1
    assert found == again
