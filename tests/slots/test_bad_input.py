"""Extreme input never reaches date arithmetic that overflows: a message, never a 500."""

import pytest
from django.urls import reverse

from apps.slots.models import Slot, SlotFill, SlotSkip
from tests.factories import CategoryFactory, ChannelFactory
from tests.slots.factories import SlotFactory
from tests.slots.test_views import _form_data

pytestmark = pytest.mark.django_db

EXTREMES = ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+01:00"]


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("action", ["fill", "skip", "unfill", "unskip"])
def test_an_occurrence_at_the_ends_of_the_calendar_is_refused_with_a_message(
    editor_client, action, value
):
    slot = SlotFactory()

    response = editor_client.post(
        reverse(f"slots:{action}", args=[slot.pk]),
        {"occorrenza": value, "reason": "Festività"},
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == slot.get_absolute_url()
    assert (SlotFill.objects.count(), SlotSkip.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    "period", [("0001-01-01", "2026-01-31"), ("2026-01-01", "9999-12-31"), ("0001-01-01", "")]
)
def test_an_adherence_period_at_the_ends_of_the_calendar_gets_a_field_error(editor_client, period):
    SlotFactory()

    response = editor_client.get(reverse("slots:list"), {"dal": period[0], "al": period[1]})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_dal_error"' in content or 'id="id_al_error"' in content
    assert len(response.context["rows"]) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("start_date", "0001-01-01", "dal 2000 in poi"), ("end_date", "9999-12-31", "entro il 2099")],
)
def test_a_slot_dated_in_year_one_or_9999_is_refused_on_its_field(
    editor_client, editor, field, value, message
):
    data = _form_data(editor, ChannelFactory(), CategoryFactory(), **{field: value})

    response = editor_client.post(reverse("slots:create"), data)

    assert response.status_code == 200
    assert Slot.objects.count() == 0
    content = response.content.decode()
    assert f'id="id_{field}_error"' in content
    assert message in content


def test_a_channel_id_beyond_any_integer_is_a_field_error_not_a_500(editor_client, editor):
    data = _form_data(editor, ChannelFactory(), CategoryFactory())
    data["channels"] = ["99999999999999999999"]

    response = editor_client.post(reverse("slots:create"), data)

    assert response.status_code == 200
    assert Slot.objects.count() == 0
    assert 'id="id_channels_error"' in response.content.decode()


def test_a_brief_longer_than_a_post_text_is_a_field_error_keeping_what_was_typed(
    editor_client, editor
):
    data = _form_data(editor, ChannelFactory(), CategoryFactory())
    data["brief"] = "Traccia. " + "a" * 50_000

    response = editor_client.post(reverse("slots:create"), data)

    assert response.status_code == 200
    assert Slot.objects.count() == 0
    content = response.content.decode()
    assert 'id="id_brief_error"' in content
    assert 'maxlength="50000"' in content
    assert "Traccia. aaaa" in content  # the text is kept to be shortened


def test_a_brief_of_a_post_text_s_full_length_is_accepted(editor_client, editor):
    data = _form_data(editor, ChannelFactory(), CategoryFactory())
    data["brief"] = "a" * 50_000

    response = editor_client.post(reverse("slots:create"), data)

    assert response.status_code == 302
    assert len(Slot.objects.get().brief) == 50_000
