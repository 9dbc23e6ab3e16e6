"""Writes: validation, audit, SEQUENCE only on time or place changes, status changes."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from apps.audit.models import AuditEntry
from apps.events.models import EventStatus
from apps.events.services import (
    EventError,
    cancel_event,
    confirm_event,
    create_event,
    postpone_event,
    update_event,
)

from .conftest import make_event, rome

pytestmark = pytest.mark.django_db


def _entries(event) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="events.event", object_id=str(event.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_creating_an_event_records_who_and_audits_it(editor, cultura):
    event = create_event(
        by=editor,
        title="Concerto",
        category=cultura,
        starts_at=rome(2026, 12, 5, 21),
        ends_at=rome(2026, 12, 5, 23),
        published=True,
    )
    assert event.created_by == editor
    assert event.sequence == 0
    assert _entries(event) == ["events.create"]


@pytest.mark.parametrize(
    "changes",
    [
        {"starts_at": rome(2026, 12, 5, 20), "ends_at": rome(2026, 12, 5, 23)},
        {"ends_at": rome(2026, 12, 6, 0, 30)},
        {"location_name": "Teatro comunale"},
        {"address": "Via Roma 2"},
        {"rrule": "FREQ=WEEKLY", "repeat_until": date(2026, 12, 26)},
    ],
    ids=["start", "end", "place", "address", "recurrence"],
)
def test_a_change_of_time_or_place_increments_the_sequence(editor, cultura, changes):
    event = make_event(category=cultura)
    update_event(event=event, by=editor, **changes)
    event.refresh_from_db()
    assert event.sequence == 1
    assert _entries(event) == ["events.update"]


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Nuovo titolo"},
        {"description": "Ingresso libero"},
        {"published": False},
        {"organiser": "Pro Loco"},
    ],
    ids=["title", "description", "published", "organiser"],
)
def test_other_changes_keep_the_sequence(editor, cultura, changes):
    event = make_event(category=cultura)
    update_event(event=event, by=editor, **changes)
    event.refresh_from_db()
    assert event.sequence == 0
    assert _entries(event) == ["events.update"]


def test_saving_without_changes_writes_nothing(editor, cultura):
    event = make_event(category=cultura)
    stamp = event.updated_at
    update_event(event=event, by=editor, title=event.title)
    event.refresh_from_db()
    assert (event.updated_at, _entries(event)) == (stamp, [])


def test_an_event_cannot_end_before_it_starts(editor, cultura):
    event = make_event(category=cultura)
    with pytest.raises(ValidationError):
        update_event(event=event, by=editor, ends_at=rome(2026, 12, 5, 20))


def test_an_unreadable_recurrence_is_refused(editor, cultura):
    event = make_event(category=cultura)
    with pytest.raises(ValidationError):
        update_event(event=event, by=editor, rrule="FREQ=OGNI-TANTO")


def test_cancelling_marks_the_time_increments_the_sequence_and_audits(editor, cultura):
    # RFC 5546: a cancellation is a significant change; clients that honour SEQUENCE ignore
    # an update that carries the sequence they already have.
    event = make_event(category=cultura)
    cancel_event(event=event, by=editor)
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert event.cancelled_at is not None
    assert event.sequence == 1
    assert _entries(event) == ["events.cancel"]
    with pytest.raises(EventError):
        cancel_event(event=event, by=editor)


def test_postponing_without_a_date_keeps_the_time_and_increments_the_sequence(editor, cultura):
    event = make_event(category=cultura)
    starts_at = event.starts_at
    postpone_event(event=event, by=editor)
    event.refresh_from_db()
    assert (event.status, event.sequence, event.starts_at) == (EventStatus.POSTPONED, 1, starts_at)
    assert _entries(event) == ["events.postpone"]


def test_postponing_to_a_new_date_increments_the_sequence(editor, cultura):
    event = make_event(category=cultura)
    postpone_event(
        event=event, by=editor, starts_at=rome(2026, 12, 12, 21), ends_at=rome(2026, 12, 12, 23)
    )
    event.refresh_from_db()
    assert (event.status, event.sequence) == (EventStatus.POSTPONED, 1)
    assert event.starts_at == rome(2026, 12, 12, 21)


def test_every_status_change_increments_the_sequence_once(editor, cultura):
    event = make_event(category=cultura)
    cancel_event(event=event, by=editor)
    confirm_event(event=event, by=editor)
    postpone_event(event=event, by=editor)
    event.refresh_from_db()
    assert event.sequence == 3


def test_a_cancelled_event_cannot_be_postponed_but_can_be_confirmed_again(editor, cultura):
    event = make_event(category=cultura)
    cancel_event(event=event, by=editor)
    with pytest.raises(EventError):
        postpone_event(event=event, by=editor)
    confirm_event(event=event, by=editor)
    event.refresh_from_db()
    assert (event.status, event.cancelled_at) == (EventStatus.CONFIRMED, None)
