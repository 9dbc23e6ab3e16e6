"""Wall times the clock changes skip or repeat (issue 21, item 4): the editor says which
02:30 of the fall-back night is meant; a weekly series never lands in the gap or the repeated
hour; series stored earlier show a skipped time as the instant it is."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from apps.events.models import Event
from apps.events.selectors import occurrences_of

from .conftest import make_event, rome

pytestmark = pytest.mark.django_db
NEW = "/eventi/gestione/nuovo/"


def _form(category, **overrides):
    data = {
        "title": "Osservazione delle stelle",
        "category": category.pk,
        "start_date": "2026-10-25",
        "start_time": "02:30",
        "end_time": "04:00",
        "location_name": "Osservatorio",
        "published": "on",
    }
    data.update(overrides)
    return data


def test_a_time_the_fall_back_night_has_twice_asks_which_one(editor_client, cultura):
    response = editor_client.post(NEW, _form(cultura))
    form = response.context["form"]
    assert "02:30 del 25/10/2026 capitano due volte" in form.errors["clock_pass"][0]
    assert Event.objects.count() == 0
    page = response.content.decode()
    assert 'name="clock_pass" value="first"' in page
    assert 'name="clock_pass" value="second"' in page


@pytest.mark.parametrize(("chosen", "utc_hour", "minutes"), [("first", 0, 150), ("second", 1, 90)])
def test_the_editor_chooses_the_first_or_the_second_pass(
    editor_client, cultura, chosen, utc_hour, minutes
):
    response = editor_client.post(NEW, _form(cultura, clock_pass=chosen))
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.starts_at == datetime(2026, 10, 25, utc_hour, 30, tzinfo=UTC)
    assert event.ends_at - event.starts_at == timedelta(minutes=minutes)


def test_editing_an_event_of_the_second_pass_keeps_it(editor_client, cultura):
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    event = make_event(category=cultura, starts_at=second, ends_at=second + timedelta(hours=1))
    page = editor_client.get(f"/eventi/gestione/{event.pk}/modifica/")
    assert page.context["form"]["clock_pass"].value() == "second"
    assert 'name="clock_pass" value="second"' in page.content.decode()
    data = _form(cultura, start_time="02:30", end_time="03:30", clock_pass="second")
    assert editor_client.post(f"/eventi/gestione/{event.pk}/modifica/", data).status_code == 302
    event.refresh_from_db()
    assert event.starts_at == second


def test_times_outside_the_repeated_hour_need_no_choice(editor_client, cultura):
    response = editor_client.post(NEW, _form(cultura, start_time="01:30", end_time="04:00"))
    assert response.status_code == 302
    assert "clock_pass" not in editor_client.get(NEW).content.decode()


@pytest.mark.parametrize(
    ("start", "until", "named"),
    [
        ("2026-03-01", "2026-04-26", "Il 29/03/2026 le 02:30 non esistono"),
        ("2026-10-04", "2026-11-29", "Il 25/10/2026 le 02:30 capitano due volte"),
    ],
)
def test_a_weekly_series_that_would_land_on_a_clock_change_is_refused(
    editor_client, mercati, start, until, named
):
    data = _form(
        mercati,
        start_date=start,
        start_time="02:30",
        end_time="03:30",
        repeat_weekly="on",
        repeat_until=until,
    )
    response = editor_client.post(NEW, data)
    assert named in response.context["form"].errors["repeat_weekly"][0]
    assert Event.objects.count() == 0


def test_a_weekly_series_at_night_on_other_weekdays_is_accepted(editor_client, mercati):
    data = _form(
        mercati,
        start_date="2026-03-07",  # Saturdays
        start_time="02:30",
        end_time="03:30",
        repeat_weekly="on",
        repeat_until="2026-11-28",
    )
    assert editor_client.post(NEW, data).status_code == 302


def test_a_stored_series_shows_a_skipped_time_as_the_instant_it_is(client, mercati):
    # Stored before the form refused it: Sundays 02:30-03:00 from 7 March 2027.
    series = make_event(
        category=mercati,
        title="Veglia",
        rrule="FREQ=WEEKLY",
        starts_at=rome(2027, 3, 7, 2, 30),
        ends_at=rome(2027, 3, 7, 3, 0),
        repeat_until=date(2027, 4, 4),
    )
    start = timezone.make_aware(datetime(2027, 3, 28))
    (occurrence,) = occurrences_of(series, start=start, end=start + timedelta(days=1))
    assert timezone.localtime(occurrence.starts_at).strftime("%H:%M") == "03:30"
    assert timezone.localtime(occurrence.ends_at).strftime("%H:%M") == "04:00"
    assert occurrence.ends_at - occurrence.starts_at == timedelta(minutes=30)
    page = client.get("/eventi/?dal=2027-03-28&al=2027-03-28").content.decode()
    assert "domenica 28 marzo 2027, 03:30" in page
    assert ">04:00</time>" in page
    assert "02:30" not in page
