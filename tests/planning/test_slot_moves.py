"""Moving a slot post far from its occurrence asks whether it still fills it (issue 4)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.review.editing import SlotMoveQuestion, reschedule_post
from apps.slots import services as slot_services
from apps.slots.models import SlotFill
from apps.slots.selectors import occurrences_between
from tests.factories import ChannelFactory
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot_post(editor):
    """A draft filling the next Friday-12:00 occurrence of a weekly slot."""
    slot = SlotFactory(name="Eventi del weekend", channels=[ChannelFactory(name="Facebook")])
    now = timezone.now() + timedelta(days=1)
    occurrence = occurrences_between(start=now, end=now + timedelta(days=8))[0]
    return slot_services.fill_occurrence(slot, occurrence.at, by=editor)


def _move_data(post, at, **extra):
    local = timezone.localtime(at)
    return {
        "data": local.strftime("%Y-%m-%d"),
        "ora": local.strftime("%H:%M"),
        "version": post.version,
        "next": reverse("planning:calendar"),
        **extra,
    }


def test_a_small_move_keeps_the_slot_link_without_asking(editor, slot_post):
    reschedule_post(
        slot_post,
        by=editor,
        planned_at=slot_post.planned_at + timedelta(hours=2),
        expected_version=1,
    )
    assert SlotFill.objects.filter(post=slot_post).exists()


def test_a_far_move_without_an_answer_asks_and_moves_nothing(editor, slot_post):
    planned = slot_post.planned_at
    with pytest.raises(SlotMoveQuestion) as asked:
        reschedule_post(
            slot_post, by=editor, planned_at=planned + timedelta(days=3), expected_version=1
        )
    assert "Eventi del weekend" in str(asked.value)
    slot_post.refresh_from_db()
    assert (slot_post.planned_at, slot_post.version) == (planned, 1)


def test_answering_no_moves_the_post_and_unlinks_it(editor, slot_post):
    new_at = slot_post.planned_at + timedelta(days=3)
    reschedule_post(slot_post, by=editor, planned_at=new_at, expected_version=1, keeps_slot=False)
    slot_post.refresh_from_db()
    assert slot_post.planned_at == new_at
    assert not SlotFill.objects.filter(post=slot_post).exists()


def test_answering_yes_moves_the_post_and_keeps_the_link(editor, slot_post):
    new_at = slot_post.planned_at + timedelta(days=3)
    reschedule_post(slot_post, by=editor, planned_at=new_at, expected_version=1, keeps_slot=True)
    slot_post.refresh_from_db()
    assert slot_post.planned_at == new_at
    assert SlotFill.objects.filter(post=slot_post).exists()


def test_the_move_form_without_js_shows_a_question_page_with_both_answers(editor_client, slot_post):
    planned = slot_post.planned_at
    url = reverse("planning:post_reschedule", args=[slot_post.pk])
    response = editor_client.post(url, _move_data(slot_post, planned + timedelta(days=3)))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Sposta il post</h1>" in body
    assert 'role="alert"' in body and "Eventi del weekend" in body
    assert 'name="rubrica" value="si"' in body and 'name="rubrica" value="no"' in body
    assert "hx-post" not in body.split("<h1>")[1]  # plain forms on the standalone page
    slot_post.refresh_from_db()
    assert slot_post.planned_at == planned

    editor_client.post(url, _move_data(slot_post, planned + timedelta(days=3), rubrica="no"))
    slot_post.refresh_from_db()
    assert slot_post.planned_at == planned + timedelta(days=3)
    assert not SlotFill.objects.filter(post=slot_post).exists()


def test_a_drag_asks_inside_the_calendar_body(editor_client, slot_post):
    url = reverse("planning:post_reschedule", args=[slot_post.pk])
    response = editor_client.post(
        url,
        _move_data(slot_post, slot_post.planned_at + timedelta(days=3)),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="calendar-body"')
    assert "data-move-question" in body and 'hx-target="#calendar-body"' in body
    assert SlotFill.objects.filter(post=slot_post).exists()

    editor_client.post(
        url,
        _move_data(slot_post, slot_post.planned_at + timedelta(days=3), rubrica="si"),
        headers={"HX-Request": "true"},
    )
    slot_post.refresh_from_db()
    assert SlotFill.objects.filter(post=slot_post).exists()
    assert slot_post.version == 2


def test_the_editor_asks_with_a_labelled_question_and_keeps_the_input(editor_client, slot_post):
    new_day = timezone.localtime(slot_post.planned_at + timedelta(days=3))
    url = reverse("planning:post_edit", args=[slot_post.pk])
    data = {
        "title": "Titolo cambiato",
        "category": slot_post.category_id,
        "planned_date": new_day.strftime("%Y-%m-%d"),
        "planned_time": "12:00",
        "channels": [v.channel_id for v in slot_post.variants.all()],
        "base_text": "Testo nuovo",
        "version": 1,
        "nuove-TOTAL_FORMS": 0,
        "nuove-INITIAL_FORMS": 0,
        "immagini-TOTAL_FORMS": 0,
        "immagini-INITIAL_FORMS": 0,
    }
    body = editor_client.post(url, data).content.decode()
    assert "<legend" in body and "riempie ancora l&#x27;uscita della rubrica?" in body
    assert 'id="id_keeps_slot_error"' in body and 'value="Titolo cambiato"' in body
    slot_post.refresh_from_db()
    assert slot_post.title != "Titolo cambiato"

    response = editor_client.post(url, {**data, "keeps_slot": "no"})
    assert response.status_code == 302
    slot_post.refresh_from_db()
    assert slot_post.title == "Titolo cambiato"
    assert not SlotFill.objects.filter(post=slot_post).exists()


def _italian_day(at) -> str:
    from django.utils import formats

    return formats.date_format(timezone.localtime(at), "l j F Y").lower()


def test_the_move_question_states_the_new_date_before_asking(editor_client, slot_post):
    new_at = slot_post.planned_at + timedelta(days=3)
    url = reverse("planning:post_reschedule", args=[slot_post.pk])
    body = editor_client.post(url, _move_data(slot_post, new_at)).content.decode()
    when = timezone.localtime(new_at).strftime("%H:%M")
    assert f"Nuovo orario: {_italian_day(new_at)} alle {when}." in body


def test_the_editor_move_question_states_the_new_date(editor_client, slot_post):
    new_at = timezone.localtime(slot_post.planned_at + timedelta(days=3)).replace(hour=12, minute=0)
    data = {
        "title": slot_post.title,
        "category": slot_post.category_id,
        "planned_date": new_at.strftime("%Y-%m-%d"),
        "planned_time": "12:00",
        "channels": [v.channel_id for v in slot_post.variants.all()],
        "base_text": "Testo nuovo",
        "version": 1,
        "nuove-TOTAL_FORMS": 0,
        "nuove-INITIAL_FORMS": 0,
        "immagini-TOTAL_FORMS": 0,
        "immagini-INITIAL_FORMS": 0,
    }
    body = editor_client.post(reverse("planning:post_edit", args=[slot_post.pk]), data)
    assert f"Nuovo orario: {_italian_day(new_at)}, 12:00." in body.content.decode()
