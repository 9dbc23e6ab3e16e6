""" "Metti in coda": the next free time of a rubrica or of a channel's preferred times."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus
from apps.planning.services import PostEditError
from apps.review.editing import queue_post
from apps.slots import services
from apps.slots.models import SlotFill
from apps.slots.queueing import LEAD_TIME, QueueError, next_free_time
from tests.crisis.factories import BlackoutFactory
from tests.factories import ChannelFactory, PostFactory
from tests.slots.conftest import ROME
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.django_db


def _fridays(count=3) -> list[datetime]:
    """The next Fridays at 12:00 (Rome) after now plus the queue's lead time."""
    start = timezone.now() + LEAD_TIME
    day = timezone.localdate(start)
    found = []
    while len(found) < count:
        at = datetime.combine(day, time(12, 0), tzinfo=ROME)
        if day.weekday() == 4 and at >= start:
            found.append(at)
        day += timedelta(days=1)
    return found


@pytest.fixture
def telegram():
    return ChannelFactory(name="Telegram", preferred_times="18:00, 09:00")


@pytest.fixture
def slot(telegram):
    return SlotFactory(name="Weekend", channels=[telegram])


@pytest.fixture
def post(editor, telegram):
    post = PostFactory(author=editor, planned_at=timezone.now() + timedelta(days=40))
    post.variants.create(channel=telegram, text="Testo")
    return post


def test_a_rubrica_gives_its_next_open_occurrence(post, slot):
    assert next_free_time(post, slot=slot).at == _fridays()[0]


def test_filled_and_skipped_occurrences_are_taken(post, slot, editor):
    first, second, third = _fridays()
    services.fill_occurrence(slot, first, by=editor)
    services.skip_occurrence(slot, second, by=editor, reason="Festa")
    assert next_free_time(post, slot=slot).at == third


def test_a_blackout_holding_the_post_is_skipped(post, slot):
    first, second, _ = _fridays()
    BlackoutFactory(starts_at=first - timedelta(hours=1), ends_at=first + timedelta(hours=1))
    assert next_free_time(post, slot=slot).at == second


def test_a_blackout_that_allows_the_post_category_is_not_in_the_way(post, slot):
    first = _fridays()[0]
    BlackoutFactory(
        starts_at=first - timedelta(hours=1),
        ends_at=first + timedelta(hours=1),
        allowed_categories=[post.category],
    )
    assert next_free_time(post, slot=slot).at == first


def test_a_blackout_on_another_channel_is_not_in_the_way(post, slot):
    first = _fridays()[0]
    BlackoutFactory(
        starts_at=first - timedelta(hours=1),
        ends_at=first + timedelta(hours=1),
        channels=[ChannelFactory(name="Facebook")],
    )
    assert next_free_time(post, slot=slot).at == first


def _preferred(day_offset: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, 0), tzinfo=ROME)


def _first_preferred() -> datetime:
    start = timezone.now() + LEAD_TIME
    for offset in range(3):
        for hour in (9, 18):
            if _preferred(offset, hour) >= start:
                return _preferred(offset, hour)
    raise AssertionError


def test_a_channel_queue_takes_the_next_preferred_time(post, telegram):
    assert next_free_time(post, channel=telegram).at == _first_preferred()


def test_a_time_taken_on_the_channel_is_skipped_but_not_one_on_another_channel(
    post, telegram, editor
):
    first = _first_preferred()
    other = PostFactory(author=editor, planned_at=first)
    other.variants.create(channel=ChannelFactory(name="Facebook"), text="x")
    assert next_free_time(post, channel=telegram).at == first
    taken = PostFactory(author=editor, planned_at=first)
    taken.variants.create(channel=telegram, text="x")
    assert next_free_time(post, channel=telegram).at > first
    taken.status = PostStatus.CANCELLED
    taken.save()
    assert next_free_time(post, channel=telegram).at == first


def test_a_channel_without_preferred_times_says_so(post):
    bare = ChannelFactory(name="Sito")
    with pytest.raises(QueueError, match="non ha orari preferiti"):
        next_free_time(post, channel=bare)


def test_a_blackout_over_the_whole_horizon_leaves_no_free_time(post, telegram):
    BlackoutFactory(ends_at=timezone.now() + timedelta(days=200))
    with pytest.raises(QueueError, match="periodi di silenzio"):
        next_free_time(post, channel=telegram)


def test_preferred_times_are_validated():
    channel = ChannelFactory(name="Canale orari")
    channel.preferred_times = "9:00, 25:00"
    with pytest.raises(Exception, match="HH:MM"):
        channel.full_clean()
    channel.preferred_times = "9.30; 18:00 12:00"
    channel.full_clean()
    assert [t.strftime("%H:%M") for t in channel.preferred_time_list] == [
        "09:30",
        "12:00",
        "18:00",
    ]


# --- Moving the post (review.editing.queue_post) -------------------------------------------


def test_queueing_in_a_rubrica_moves_the_post_and_fills_the_occurrence(post, slot, editor):
    queue_post(post, by=editor, expected_version=post.version, slot=slot)
    post.refresh_from_db()
    assert post.planned_at == _fridays()[0]
    assert SlotFill.objects.get(post=post).slot == slot
    assert AuditEntry.objects.filter(action="post.queued", post_id=post.pk).exists()
    # The next post queued there gets the following Friday.
    second = PostFactory(author=editor, planned_at=timezone.now() + timedelta(days=50))
    queue_post(second, by=editor, expected_version=second.version, slot=slot)
    second.refresh_from_db()
    assert second.planned_at == _fridays()[1]


def test_a_post_already_in_the_rubrica_stays_where_it_is(post, slot, editor):
    queue_post(post, by=editor, expected_version=post.version, slot=slot)
    post.refresh_from_db()
    with pytest.raises(QueueError, match="già in questa rubrica"):
        queue_post(post, by=editor, expected_version=post.version, slot=slot)
    post.refresh_from_db()
    assert post.planned_at == _fridays()[0]


def test_an_approved_post_queued_goes_back_to_review_for_its_new_time(editor, approver, telegram):
    post = PostFactory(
        author=editor,
        planned_at=timezone.now() + timedelta(days=40),
        status=PostStatus.APPROVED,
        approved_version=1,
        approved_by=approver,
    )
    post.variants.create(channel=telegram, text="Testo")
    queue_post(post, by=editor, expected_version=1, channel=telegram)
    post.refresh_from_db()
    assert post.status == PostStatus.IN_REVIEW
    assert post.reschedule_only_pending
    assert post.planned_at == _first_preferred()


def test_a_post_in_review_cannot_be_queued(editor, telegram):
    post = PostFactory(author=editor, status=PostStatus.IN_REVIEW)
    with pytest.raises(PostEditError):
        queue_post(post, by=editor, expected_version=post.version, channel=telegram)


def test_a_stale_version_moves_nothing(post, slot, editor):
    before = post.planned_at
    with pytest.raises(PostEditError):
        queue_post(post, by=editor, expected_version=post.version + 1, slot=slot)
    post.refresh_from_db()
    assert post.planned_at == before
    assert not SlotFill.objects.exists()


# --- The page ----------------------------------------------------------------------------


def test_the_post_page_offers_the_queues_and_the_button_moves_it(editor_client, post, slot):
    page = editor_client.get(post.get_absolute_url())
    assert "Metti in coda" in page.text and "Weekend" in page.text
    response = editor_client.post(
        reverse("planning:post_queue", args=[post.pk]),
        {"coda": f"rubrica-{slot.pk}", "version": post.version},
        follow=True,
    )
    assert "messo in coda" in response.text
    post.refresh_from_db()
    assert post.planned_at == _fridays()[0]


def test_an_unknown_queue_is_refused_with_a_message(editor_client, post):
    response = editor_client.post(
        reverse("planning:post_queue", args=[post.pk]),
        {"coda": "rubrica-999999", "version": post.version},
        follow=True,
    )
    assert "Scegli una rubrica o un canale" in response.text


def test_another_editor_cannot_queue_the_post(client, other_editor, post, slot):
    client.force_login(other_editor)
    response = client.post(
        reverse("planning:post_queue", args=[post.pk]),
        {"coda": f"rubrica-{slot.pk}", "version": post.version},
    )
    assert response.status_code == 403
