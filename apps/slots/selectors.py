"""Reads of slots. Occurrences are computed from each slot's RRULE, never stored."""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Max, QuerySet
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.publishing.models import Delivery

from .models import Slot, SlotFill, SlotSkip
from .recurrence import expand

logger = logging.getLogger(__name__)

# A post counts as published "on time" if its last channel went out within this margin.
ON_TIME_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Occurrence:
    slot: Slot
    at: datetime  # aware, Europe/Rome wall time of the slot
    post: Post | None = None
    skip: SlotSkip | None = None

    @property
    def is_filled(self) -> bool:
        """A cancelled post no longer fills its occurrence: it can be filled again."""
        return self.post is not None and self.post.status != PostStatus.CANCELLED

    @property
    def is_open(self) -> bool:
        return not self.is_filled and self.skip is None

    @property
    def key(self) -> str:
        """The occurrence as it travels in URLs and forms (ISO 8601 with offset)."""
        return timezone.localtime(self.at).isoformat()


def slots_for_list() -> QuerySet[Slot]:
    return Slot.objects.select_related("category", "owner").prefetch_related("channels")


def occurrences_between(*, start: datetime, end: datetime, slots=None) -> list[Occurrence]:
    """Occurrences of active slots in [start, end), nearest first, with fills and skips.

    Three queries whatever the number of slots (slots, fills, skips) when ``slots`` is None;
    pass ``slots`` (instances) to restrict to them, inactive ones included.
    """
    if slots is None:
        slots = list(slots_for_list().filter(active=True))
    else:
        slots = list(slots)
    if not slots:
        return []
    slot_ids = [s.pk for s in slots]
    fills = {
        (f.slot_id, f.occurrence_at): f.post
        for f in SlotFill.objects.filter(
            slot_id__in=slot_ids, occurrence_at__gte=start, occurrence_at__lt=end
        ).select_related("post", "post__category")
    }
    skips = {
        (s.slot_id, s.occurrence_at): s
        for s in SlotSkip.objects.filter(
            slot_id__in=slot_ids, occurrence_at__gte=start, occurrence_at__lt=end
        )
    }
    result = []
    for slot in slots:
        for at in _expand_or_nothing(slot, start, end):
            result.append(
                Occurrence(
                    slot=slot,
                    at=at,
                    post=fills.get((slot.pk, at)),
                    skip=skips.get((slot.pk, at)),
                )
            )
    result.sort(key=lambda o: (o.at, o.slot.name, o.slot.pk))
    return result


def _expand_or_nothing(slot: Slot, start: datetime, end: datetime) -> list[datetime]:
    """A rule broken by hand (admin) must not break the calendar: log it, show nothing."""
    try:
        return expand(
            rrule=slot.rrule,
            at=slot.time,
            start_date=slot.start_date,
            end_date=slot.end_date,
            start=start,
            end=end,
        )
    except (ValueError, TypeError):
        logger.warning("slot %s has an unreadable rrule %r", slot.pk, slot.rrule)
        return []


def occurrence_of(slot: Slot, at: datetime) -> Occurrence | None:
    """The occurrence of ``slot`` exactly at ``at``, or None if the slot does not occur then."""
    found = occurrences_between(start=at, end=at + timedelta(seconds=1), slots=[slot])
    return found[0] if found else None


def empty_occurrences(*, days: int = 14, now: datetime | None = None) -> list[Occurrence]:
    """Open occurrences (neither filled nor skipped) from now to ``days`` ahead, nearest first."""
    now = now or timezone.now()
    return [o for o in occurrences_between(start=now, end=now + timedelta(days=days)) if o.is_open]


@dataclass(frozen=True)
class Adherence:
    slot: Slot
    planned: int  # occurrences in the period, up to now
    filled: int
    on_time: int  # filled and published within ON_TIME_GRACE of the occurrence
    skipped: int
    missed: int  # neither filled (by a post not cancelled) nor skipped

    @property
    def share(self) -> int | None:
        """Percentage of the occurrences due (skips excluded) published on time."""
        due = self.planned - self.skipped
        if due <= 0:
            return None
        return round(100 * self.on_time / due)


def adherence(
    *, slots, start: datetime, end: datetime, now: datetime | None = None
) -> dict[int, Adherence]:
    """Per slot id, how its occurrences in [start, min(end, now)) went."""
    now = now or timezone.now()
    slots = list(slots)
    end = min(end, now)
    occurrences = occurrences_between(start=start, end=end, slots=slots) if end > start else []
    post_ids = [o.post.pk for o in occurrences if o.is_filled]
    sent_at = _last_sent_at(post_ids)
    counts = defaultdict(lambda: {"planned": 0, "filled": 0, "on_time": 0, "skipped": 0})
    for occurrence in occurrences:
        row = counts[occurrence.slot.pk]
        row["planned"] += 1
        if occurrence.skip is not None:
            row["skipped"] += 1
        elif occurrence.is_filled:
            row["filled"] += 1
            if _published_on_time(occurrence, sent_at.get(occurrence.post.pk)):
                row["on_time"] += 1
    result = {}
    for slot in slots:
        row = counts[slot.pk]
        result[slot.pk] = Adherence(
            slot=slot,
            missed=row["planned"] - row["filled"] - row["skipped"],
            **row,
        )
    return result


def _last_sent_at(post_ids: list[int]) -> dict[int, datetime | None]:
    if not post_ids:
        return {}
    rows = (
        Delivery.objects.filter(variant__post_id__in=post_ids)
        .values("variant__post_id")
        .annotate(last=Max("sent_at"))
    )
    return {row["variant__post_id"]: row["last"] for row in rows}


def _published_on_time(occurrence: Occurrence, last_sent_at: datetime | None) -> bool:
    post = occurrence.post
    if post.status != PostStatus.PUBLISHED:
        return False
    went_out = last_sent_at or post.planned_at
    return went_out <= occurrence.at + ON_TIME_GRACE
