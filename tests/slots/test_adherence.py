from datetime import timedelta

import pytest

from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from apps.slots import services
from apps.slots.models import SlotFill
from apps.slots.selectors import adherence
from tests.factories import ChannelFactory, PostFactory
from tests.slots.conftest import rome
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.django_db

SATURDAY = rome(2026, 3, 7, 9)


def _published_fill(slot, at, *, sent_after):
    post = PostFactory(
        planned_at=at, status=PostStatus.PUBLISHED, channels=[ChannelFactory(name="Telegram")]
    )
    for variant in post.variants.all():
        Delivery.objects.create(
            variant=variant, due_at=at, state=DeliveryState.SENT, sent_at=at + sent_after
        )
    SlotFill.objects.create(slot=slot, occurrence_at=at, post=post)
    return post


def test_adherence_counts_planned_filled_on_time_skipped_and_missed(editor):
    slot = SlotFactory()
    _published_fill(slot, rome(2026, 2, 13, 12), sent_after=timedelta(minutes=5))
    _published_fill(slot, rome(2026, 2, 20, 12), sent_after=timedelta(hours=3))  # late
    services.skip_occurrence(slot, rome(2026, 2, 27, 12), by=editor, reason="Festività")
    # 6 March: nobody filled it.

    figures = adherence(
        slots=[slot], start=SATURDAY - timedelta(weeks=4), end=SATURDAY, now=SATURDAY
    )[slot.pk]

    assert (figures.planned, figures.filled, figures.on_time, figures.skipped, figures.missed) == (
        4,
        2,
        1,
        1,
        1,
    )
    assert figures.share == 33  # 1 on time out of 3 due (the skip does not count)


def test_a_filled_draft_is_not_on_time(editor):
    slot = SlotFactory()
    services.fill_occurrence(slot, rome(2026, 3, 6, 12), by=editor)

    figures = adherence(slots=[slot], start=rome(2026, 3, 1), end=SATURDAY, now=SATURDAY)[slot.pk]

    assert (figures.planned, figures.filled, figures.on_time, figures.share) == (1, 1, 0, 0)


def test_future_occurrences_do_not_count_yet():
    slot = SlotFactory()
    figures = adherence(slots=[slot], start=rome(2026, 3, 7), end=rome(2026, 4, 30), now=SATURDAY)[
        slot.pk
    ]
    assert (figures.planned, figures.share) == (0, None)


def test_a_cancelled_post_counts_as_missed(editor):
    from apps.planning.transitions import transition

    slot = SlotFactory()
    post = services.fill_occurrence(slot, rome(2026, 3, 6, 12), by=editor)
    transition(post, PostStatus.CANCELLED, by=editor)

    figures = adherence(slots=[slot], start=rome(2026, 3, 1), end=SATURDAY, now=SATURDAY)[slot.pk]

    assert (figures.planned, figures.filled, figures.missed) == (1, 0, 1)
