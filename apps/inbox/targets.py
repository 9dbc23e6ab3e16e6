"""Response-time targets and the office calendar: when an answer is due."""

from datetime import datetime

from .enums import ConversationKind
from .models import InboxSettings, ResponseTarget
from .workhours import OfficeCalendar

HOUR = 3600
# Without a target set by an administrator: the examples (private 8, public 24).
DEFAULT_HOURS = {
    ConversationKind.PRIVATE: 8,
    ConversationKind.COMMENT: 24,
    ConversationKind.MENTION: 24,
}
DEFAULT_ESCALATION_HOURS = 8


def office_calendar(office: InboxSettings | None = None) -> OfficeCalendar:
    office = office or InboxSettings.load()
    return OfficeCalendar(
        day_start=office.day_start,
        day_end=office.day_end,
        weekdays=office.weekdays,
        patron=(office.patron_month, office.patron_day),
    )


class Targets:
    """Every target, read once (a batch of messages asks for many)."""

    def __init__(self):
        self._rows = {(t.channel_id, t.kind): t for t in ResponseTarget.objects.all()}

    def hours(self, channel_id: int, kind: str) -> tuple[int, int]:
        """(working hours to answer, further working hours before the head is told)."""
        row = self._rows.get((channel_id, kind)) or self._rows.get((None, kind))
        if row is not None:
            return row.hours, row.escalate_after_hours
        return DEFAULT_HOURS.get(kind, 24), DEFAULT_ESCALATION_HOURS


def due_at(
    *, calendar: OfficeCalendar, targets: Targets, channel_id: int, kind: str, since: datetime
) -> datetime:
    hours, _escalation = targets.hours(channel_id, kind)
    return calendar.add_working_seconds(since, hours * HOUR)
