"""Ids beyond 64 bits (SQLite raises OverflowError on them) are a field error or ignored."""

import pytest
from django.urls import reverse

from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db
HUGE = str(2**70)


def _new_post(**extra):
    return {
        "title": "Avviso",
        "planned_date": "2030-01-10",
        "planned_time": "10:00",
        "base_text": "Testo",
        "nuove-TOTAL_FORMS": 0,
        "nuove-INITIAL_FORMS": 0,
        **extra,
    }


def test_a_huge_channel_id_is_a_field_error_and_keeps_the_input(editor_client):
    ChannelFactory(name="Facebook")
    response = editor_client.post(reverse("planning:post_create"), _new_post(channels=[HUGE]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_channels_error"' in body and "Canale sconosciuto" in body
    assert 'value="Avviso"' in body


@pytest.mark.parametrize("field", ["category", "event"])
def test_a_huge_category_or_event_id_is_a_field_error(editor_client, field):
    response = editor_client.post(reverse("planning:post_create"), _new_post(**{field: HUGE}))
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()


@pytest.mark.parametrize("name", ["canale", "categoria", "autore"])
def test_a_huge_id_in_a_calendar_filter_is_ignored(editor_client, editor, name):
    PostFactory(title="Visibile", author=editor, channels=[ChannelFactory(name="Facebook")])
    for view in ("mese", "settimana", "elenco"):
        response = editor_client.get(
            reverse("planning:calendar") + f"?vista={view}&{name}={HUGE}&{name}=-{HUGE}"
        )
        assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "?data=9999-99-99",
        "?data=0000-00-00",
        "?vista=settimana&data=9999-12-31",
        "?vista=elenco&data=1900-01-01",
        "?data=%00",
        "?vista=%3Cb%3E",
    ],
)
def test_absurd_dates_and_views_fall_back_instead_of_failing(editor_client, query):
    assert editor_client.get(reverse("planning:calendar") + query).status_code == 200


def test_a_huge_version_in_a_move_is_refused_as_stale(editor_client, editor):
    post = PostFactory(author=editor, channels=[ChannelFactory(name="Facebook")])
    response = editor_client.post(
        reverse("planning:post_reschedule", args=[post.pk]),
        {"data": "2030-01-10", "ora": "10:00", "version": HUGE},
        follow=True,
    )
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.version == 1


@pytest.mark.parametrize("value", ["²", HUGE, "1e3", ""])
def test_the_live_check_refuses_an_odd_channel_id_with_a_400(editor_client, value):
    response = editor_client.post(reverse("planning:check_variant"), {"channel": value})
    assert response.status_code == 400


def test_odd_digits_in_the_new_post_link_are_ignored(editor_client):
    response = editor_client.get(reverse("planning:post_create") + "?canale=²&data=2030-02-30")
    assert response.status_code == 200


def test_a_date_years_ahead_is_a_field_error_that_keeps_the_input(editor_client):
    channel = ChannelFactory(name="Facebook")
    response = editor_client.post(
        reverse("planning:post_create"), _new_post(planned_date="9999-12-31", channels=[channel.pk])
    )
    body = response.content.decode()
    assert 'id="id_planned_date_error"' in body and "Data troppo lontana" in body
    assert 'value="9999-12-31"' in body


def test_a_move_years_ahead_is_refused(editor_client, editor):
    post = PostFactory(author=editor, channels=[ChannelFactory(name="Facebook")])
    planned = post.planned_at
    editor_client.post(
        reverse("planning:post_reschedule", args=[post.pk]),
        {"data": "9999-12-31", "ora": "23:59", "version": 1},
    )
    post.refresh_from_db()
    assert post.planned_at == planned
