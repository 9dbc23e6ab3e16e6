"""Reads of slots. Occurrences are computed from each slot's RRULE, never stored."""

from dataclasses import dataclass
from datetime import datetime

from apps.planning.models import Post

from .models import Slot, SlotSkip


@dataclass(frozen=True)
class Occurrence:
    slot: Slot
    at: datetime  # aware, Europe/Rome wall time of the slot
    post: Post | None = None
    skip: SlotSkip | None = None

    @property
    def is_open(self) -> bool:
        return self.post is None and self.skip is None


def occurrences_between(*, start: datetime, end: datetime, slots=None) -> list[Occurrence]:
    """Occurrences of active slots in [start, end), nearest first. (Expansion: slots issue.)"""
    return []
