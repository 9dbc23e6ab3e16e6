""" "Metti in coda": the next free time for a post, in a rubrica or in a channel's queue.

Two queues, as in Buffer:

- a **rubrica** (:class:`~apps.slots.models.Slot`): its next open occurrence (neither filled
  nor skipped), computed from its RRULE;
- a **channel's preferred posting times** (``Channel.preferred_times``, every day): the next
  one at which no other post (not cancelled) is planned on that channel.

Either way a time inside a blackout that would hold the post back (``apps.crisis``: the post's
channels, its category, indispensable or not) is skipped, and so is the post's own time. This
module only finds the time; the move is ``apps.review.editing.queue_post``, through the same
reschedule path as every move, so approval rules hold.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.channels.models import Channel
from apps.crisis.selectors import blackout_blocking_post_at, blackouts_between
from apps.planning.enums import PostStatus
from apps.planning.models import Post

from .models import Slot, SlotFill
from .recurrence import local_zone
from .selectors import occurrences_between

# How far ahead a queue looks before saying there is no free time.
HORIZON = timedelta(days=90)
# A queued post is never put closer to now than this (time to review it).
LEAD_TIME = timedelta(minutes=15)


class QueueError(Exception):
    """No free time, or a queue that cannot take the post; the message is for the person."""


@dataclass(frozen=True)
class FreeTime:
    at: datetime
    slot: Slot | None = None  # the rubrica whose occurrence the post takes, if any


def next_free_time(
    post: Post,
    *,
    slot: Slot | None = None,
    channel: Channel | None = None,
    now: datetime | None = None,
) -> FreeTime:
    """The next free time for ``post`` in ``slot``'s occurrences or ``channel``'s queue."""
    if (slot is None) == (channel is None):
        raise ValueError("pass a slot or a channel")
    now = now or timezone.now()
    start, end = now + LEAD_TIME, now + HORIZON
    blackouts = blackouts_between(start, end)
    candidates = (
        _slot_candidates(post, slot, start, end)
        if slot is not None
        else _channel_candidates(post, channel, start, end)
    )
    for at in candidates:
        if at == post.planned_at:
            continue
        if blackout_blocking_post_at(post, at, among=blackouts) is not None:
            continue
        return FreeTime(at=at, slot=slot)
    if slot is not None:
        message = _(
            "La rubrica «%(name)s» non ha uscite libere nei prossimi %(days)s giorni (fuori dai "
            "periodi di silenzio)."
        ) % {"name": slot.name, "days": HORIZON.days}
    else:
        message = _(
            "%(name)s non ha orari preferiti liberi nei prossimi %(days)s giorni (fuori dai "
            "periodi di silenzio)."
        ) % {"name": channel.name, "days": HORIZON.days}
    raise QueueError(message)


def lock_queue(*, slot: Slot | None = None, channel: Channel | None = None) -> None:
    """Lock the queue's row until the caller's transaction ends (``SELECT … FOR UPDATE``)."""
    if slot is not None:
        list(Slot.objects.select_for_update().filter(pk=slot.pk).values_list("pk"))
    if channel is not None:
        list(Channel.objects.select_for_update().filter(pk=channel.pk).values_list("pk"))


def _slot_candidates(post: Post, slot: Slot, start: datetime, end: datetime):
    if not slot.active:
        raise QueueError(_("La rubrica è sospesa: riattivala per metterci dei post."))
    fill = SlotFill.objects.filter(post=post, slot=slot, occurrence_at__gte=start).first()
    if fill is not None:
        raise QueueError(
            _("Il post è già in questa rubrica: esce il %(when)s.")
            % {"when": timezone.localtime(fill.occurrence_at).strftime("%d/%m/%Y %H:%M")}
        )
    for occurrence in occurrences_between(start=start, end=end, slots=[slot]):
        if occurrence.is_open:
            yield occurrence.at


def _channel_candidates(post: Post, channel: Channel, start: datetime, end: datetime):
    times = channel.preferred_time_list
    if not times:
        raise QueueError(
            _("%(name)s non ha orari preferiti: impostali nella pagina del canale.")
            % {"name": channel.name}
        )
    taken = set(
        Post.objects.filter(variants__channel=channel, planned_at__gte=start, planned_at__lt=end)
        .exclude(status=PostStatus.CANCELLED)
        .exclude(pk=post.pk)
        .values_list("planned_at", flat=True)
    )
    zone = local_zone()
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        for at in times:
            # Local wall time: 09:00 stays 09:00 on both sides of a daylight-saving change.
            candidate = datetime.combine(day, at, tzinfo=zone)
            if start <= candidate < end and candidate not in taken:
                yield candidate
        day += timedelta(days=1)


def queues_for(post: Post) -> tuple[list[Slot], list[Channel]]:
    """What the "Metti in coda" form offers: active rubriche, and the post's channels with
    preferred times."""
    slots = list(Slot.objects.filter(active=True).order_by("name"))
    channels = [v.channel for v in post.variants.all() if v.channel.preferred_time_list]
    return slots, channels
