from datetime import timedelta

import pytest

from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus
from apps.slots import services
from apps.slots.models import SlotFill, SlotSkip
from apps.slots.selectors import empty_occurrences, occurrences_between
from tests.factories import ChannelFactory
from tests.slots.conftest import rome
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.django_db

FRIDAY = rome(2026, 3, 6, 12)


@pytest.fixture
def slot():
    return SlotFactory(
        name="Come fare",
        channels=[ChannelFactory(name="Facebook"), ChannelFactory(name="Telegram")],
    )


def test_filling_drafts_a_post_at_the_occurrence_with_the_slot_channels_and_brief(slot, editor):
    post = services.fill_occurrence(slot, FRIDAY, by=editor)

    assert post.status == PostStatus.DRAFT
    assert post.planned_at == FRIDAY
    assert post.author == editor
    assert post.category == slot.category
    assert post.base_text == slot.brief
    assert sorted(v.channel.name for v in post.variants.all()) == ["Facebook", "Telegram"]
    assert post.slot_fill.slot == slot
    assert post.title == "Come fare · 06/03/2026"
    assert AuditEntry.objects.filter(action="slot.filled", post_id=post.pk).count() == 1


def test_filling_twice_returns_the_same_post(slot, editor, other_editor):
    first = services.fill_occurrence(slot, FRIDAY, by=editor)
    second = services.fill_occurrence(slot, FRIDAY, by=other_editor)

    assert second == first
    assert SlotFill.objects.filter(slot=slot).count() == 1


def test_a_time_the_slot_does_not_occur_at_cannot_be_filled(slot, editor):
    with pytest.raises(services.SlotError):
        services.fill_occurrence(slot, FRIDAY + timedelta(hours=1), by=editor)
    assert SlotFill.objects.count() == 0


def test_a_filled_occurrence_is_no_longer_open(slot, editor):
    post = services.fill_occurrence(slot, FRIDAY, by=editor)

    [occurrence] = occurrences_between(start=FRIDAY, end=FRIDAY + timedelta(days=1))
    assert occurrence.post == post
    assert not occurrence.is_open


def test_skipping_keeps_the_reason_and_closes_the_occurrence(slot, editor):
    skip = services.skip_occurrence(slot, FRIDAY, by=editor, reason="Lutto cittadino")

    [occurrence] = occurrences_between(start=FRIDAY, end=FRIDAY + timedelta(days=1))
    assert occurrence.skip == skip
    assert skip.reason == "Lutto cittadino"
    assert not occurrence.is_open
    assert AuditEntry.objects.filter(action="slot.skipped").count() == 1


def test_skipping_twice_keeps_one_skip(slot, editor):
    services.skip_occurrence(slot, FRIDAY, by=editor, reason="Festa patronale")
    services.skip_occurrence(slot, FRIDAY, by=editor, reason="Altro")
    assert list(SlotSkip.objects.values_list("reason", flat=True)) == ["Festa patronale"]


def test_skipping_needs_a_reason(slot, editor):
    with pytest.raises(services.SlotError, match="motivo"):
        services.skip_occurrence(slot, FRIDAY, by=editor, reason="  ")


def test_a_skipped_occurrence_cannot_be_filled_until_restored(slot, editor):
    services.skip_occurrence(slot, FRIDAY, by=editor, reason="Festività")
    with pytest.raises(services.SlotError, match="saltata"):
        services.fill_occurrence(slot, FRIDAY, by=editor)

    assert services.unskip_occurrence(slot, FRIDAY, by=editor) is True
    post = services.fill_occurrence(slot, FRIDAY, by=editor)
    assert post.slot_fill.occurrence_at == FRIDAY


def test_a_filled_occurrence_cannot_be_skipped(slot, editor):
    services.fill_occurrence(slot, FRIDAY, by=editor)
    with pytest.raises(services.SlotError, match="scollegalo"):
        services.skip_occurrence(slot, FRIDAY, by=editor, reason="Festività")


def test_unlinking_reopens_the_occurrence_and_keeps_the_post(slot, editor):
    post = services.fill_occurrence(slot, FRIDAY, by=editor)

    assert services.unlink_post(post, by=editor) is True

    [occurrence] = occurrences_between(start=FRIDAY, end=FRIDAY + timedelta(days=1))
    assert occurrence.is_open
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    assert services.unlink_post(post, by=editor) is False
    assert AuditEntry.objects.filter(action="slot.unfilled", post_id=post.pk).count() == 1


def test_a_post_moved_within_twelve_hours_still_fills_its_occurrence(slot, editor):
    post = services.fill_occurrence(slot, FRIDAY, by=editor)

    assert services.still_fills_after_move(post, FRIDAY + timedelta(hours=12))
    assert services.still_fills_after_move(post, FRIDAY - timedelta(hours=3))
    assert not services.still_fills_after_move(post, FRIDAY + timedelta(hours=12, minutes=1))
    assert not services.still_fills_after_move(post, FRIDAY + timedelta(days=3))


def test_a_post_that_fills_nothing_may_move_anywhere(editor):
    from tests.factories import PostFactory

    assert services.still_fills_after_move(PostFactory(), FRIDAY + timedelta(days=30))


def test_inactive_slots_have_no_occurrences(slot):
    slot.active = False
    slot.save(update_fields=["active"])
    assert occurrences_between(start=FRIDAY, end=FRIDAY + timedelta(days=7)) == []


def test_empty_occurrences_lists_open_ones_nearest_first(slot, editor):
    monday = SlotFactory(name="Scadenze", rrule="FREQ=WEEKLY;BYDAY=MO")
    services.fill_occurrence(slot, FRIDAY + timedelta(days=7), by=editor)

    found = empty_occurrences(days=14, now=rome(2026, 3, 5))

    assert [(o.slot.name, o.at) for o in found] == [
        ("Come fare", FRIDAY),
        ("Scadenze", rome(2026, 3, 9, 12)),
        ("Scadenze", rome(2026, 3, 16, 12)),
    ]
    assert monday.pk != slot.pk


def test_a_suspended_slot_cannot_be_filled(slot, editor):
    slot.active = False
    slot.save(update_fields=["active"])
    with pytest.raises(services.SlotError, match="sospesa"):
        services.fill_occurrence(slot, FRIDAY, by=editor)
    assert SlotFill.objects.count() == 0


def test_an_occurrence_whose_post_was_cancelled_is_open_and_can_be_filled_again(slot, editor):
    from apps.planning.transitions import transition

    cancelled = services.fill_occurrence(slot, FRIDAY, by=editor)
    transition(cancelled, PostStatus.CANCELLED, by=editor)

    [occurrence] = occurrences_between(start=FRIDAY, end=FRIDAY + timedelta(days=1))
    assert occurrence.is_open
    replacement = services.fill_occurrence(slot, FRIDAY, by=editor)

    assert replacement != cancelled
    assert SlotFill.objects.get().post == replacement


def test_a_slot_with_a_broken_rule_shows_no_occurrences_instead_of_failing(slot):
    broken = SlotFactory(name="Rotta", rrule="FREQ=SOMETIMES")

    found = occurrences_between(start=FRIDAY, end=FRIDAY + timedelta(days=1))

    assert [o.slot for o in found] == [slot]
    assert broken.pk
