from datetime import date, time, timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.slots import services
from apps.slots.models import Slot, SlotFill, SlotSkip
from apps.slots.selectors import Occurrence
from tests.factories import CategoryFactory, ChannelFactory
from tests.slots.conftest import rome
from tests.slots.factories import SlotFactory

pytestmark = pytest.mark.django_db

OCCURRENCE = "2026-03-06T12:00:00+01:00"


@pytest.fixture
def channel():
    return ChannelFactory(name="Telegram · Comune informa")


@pytest.fixture
def category():
    return CategoryFactory(name="Come fare", slug="come-fare")


def _form_data(editor, channel, category, **overrides):
    data = {
        "name": "Come fare: la differenziata",
        "channels": [channel.pk],
        "category": category.pk,
        "owner": editor.pk,
        "brief": "Un consiglio pratico.",
        "active": "on",
        "frequency": "weekly",
        "weekdays": ["1"],
        "interval": "2",
        "ordinal": "1",
        "monthly_weekday": "0",
        "time": "10:00",
        "start_date": "2026-01-06",
        "end_date": "",
        "digest_start_offset_days": "0",
        "digest_end_offset_days": "2",
    }
    data.update(overrides)
    return data


def test_creating_a_slot_stores_the_rrule_built_from_the_form(
    editor_client, editor, channel, category
):
    response = editor_client.post(reverse("slots:create"), _form_data(editor, channel, category))

    slot = Slot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == slot.get_absolute_url()
    assert slot.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert slot.time == time(10, 0)
    assert list(slot.channels.all()) == [channel]
    assert AuditEntry.objects.filter(action="slot.created", object_id=str(slot.pk)).count() == 1


def test_a_monthly_slot_is_first_monday(editor_client, editor, channel, category):
    data = _form_data(editor, channel, category, frequency="monthly", weekdays=[], interval="")
    editor_client.post(reverse("slots:create"), data)
    assert Slot.objects.get().rrule == "FREQ=MONTHLY;BYDAY=1MO"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"weekdays": []}, "weekdays", "Scegli almeno un giorno della settimana."),
        ({"end_date": "2026-01-01"}, "end_date", "La data di fine è prima della data di inizio."),
        ({"weekdays": ["6"], "time": "02:30"}, "time", "cambio dell&#x27;ora"),
        ({"frequency": "monthly", "monthly_weekday": "6", "time": "02:00"}, "time", "cambio"),
        ({"channels": []}, "channels", "Scegli almeno un canale."),
        ({"start_date": "31/02/2026"}, "start_date", "Inserisci una data valida."),
        (
            {
                "is_events_digest": "on",
                "digest_end_offset_days": "0",
                "digest_end_time": "10:00",
                "digest_start_time": "18:00",
            },
            "digest_end_offset_days",
            "finisce prima di cominciare",
        ),
        (
            {"is_events_digest": "on", "digest_end_offset_days": "40"},
            "digest_end_offset_days",
            "tra -7 e 14",
        ),
    ],
)
def test_bad_input_gets_a_clear_error_on_its_field_and_keeps_what_was_typed(
    editor_client, editor, channel, category, overrides, field, message
):
    response = editor_client.post(
        reverse("slots:create"), _form_data(editor, channel, category, **overrides)
    )

    assert response.status_code == 200
    assert Slot.objects.count() == 0
    content = response.content.decode()
    assert message in content
    assert f'id="id_{field}_error"' in content
    assert 'value="Come fare: la differenziata"' in content
    assert "Un consiglio pratico." in content
    assert "nulla di quanto scritto è andato perso" in content


def test_the_invalid_field_is_marked_for_assistive_technology(
    editor_client, editor, channel, category
):
    response = editor_client.post(
        reverse("slots:create"), _form_data(editor, channel, category, end_date="2025-12-01")
    )
    content = response.content.decode()
    assert 'aria-invalid="true"' in content
    assert 'aria-describedby="id_end_date_error"' in content


def test_editing_shows_the_recurrence_as_choices_never_as_rrule(editor_client):
    slot = SlotFactory(rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH")

    response = editor_client.get(reverse("slots:edit", args=[slot.pk]))

    content = response.content.decode()
    assert "RRULE" not in content and "FREQ=" not in content
    assert response.context["form"].initial["weekdays"] == ["1", "3"]
    assert response.context["form"].initial["interval"] == 2


def test_editing_saves_and_audits_the_change(editor_client, editor, channel, category):
    slot = SlotFactory(channels=[channel], category=category)
    data = _form_data(editor, channel, category, name="Nuovo nome", weekdays=["0", "4"])
    data["interval"] = "1"

    response = editor_client.post(reverse("slots:edit", args=[slot.pk]), data)

    slot.refresh_from_db()
    assert response.status_code == 302
    assert (slot.name, slot.rrule) == ("Nuovo nome", "FREQ=WEEKLY;BYDAY=MO,FR")
    entry = AuditEntry.objects.get(action="slot.updated")
    assert entry.before["rrule"] == "FREQ=WEEKLY;BYDAY=FR"
    assert entry.after["rrule"] == "FREQ=WEEKLY;BYDAY=MO,FR"


def test_the_preview_lists_the_next_five_occurrences(editor_client):
    start = timezone.localdate() + timedelta(days=1)
    response = editor_client.get(
        reverse("slots:preview"),
        {
            "frequency": "weekly",
            "weekdays": ["0", "3"],
            "interval": "1",
            "time": "12:00",
            "start_date": start.isoformat(),
            "ordinal": "1",
            "monthly_weekday": "0",
        },
        headers={"HX-Request": "true"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("<li>") == 5
    assert content.count(", 12:00</time>") == 5
    assert "<html" not in content


def test_the_preview_of_an_incomplete_rule_asks_for_more(editor_client):
    response = editor_client.get(reverse("slots:preview"), {"frequency": "weekly"})
    assert response.status_code == 200
    assert "Completa ricorrenza" in response.content.decode()


def test_the_list_shows_each_slot_with_its_next_occurrence_and_adherence(editor_client):
    SlotFactory(name="Eventi del weekend", start_date=timezone.localdate() - timedelta(days=60))

    response = editor_client.get(reverse("slots:list"))

    content = response.content.decode()
    assert "Eventi del weekend" in content
    assert "ogni settimana: venerdì, ore 12:00" in content
    assert "da riempire" in content
    assert "previste" in content


def test_a_bad_period_falls_back_to_eight_weeks_with_a_message(editor_client):
    response = editor_client.get(reverse("slots:list"), {"dal": "2026-03-10", "al": "2026-03-01"})

    assert response.status_code == 200
    assert 'id="id_al_error"' in response.content.decode()
    span = response.context["period_end"] - response.context["period_start"]
    assert timedelta(weeks=8) - timedelta(seconds=2) < span < timedelta(weeks=8)


def test_the_adherence_period_can_be_chosen_by_dates(editor_client, editor):
    slot = SlotFactory()
    services.skip_occurrence(slot, rome(2026, 2, 27, 12), by=editor, reason="Festività")

    response = editor_client.get(reverse("slots:list"), {"dal": "2026-02-01", "al": "2026-02-28"})

    [row] = response.context["rows"]
    assert (row["adherence"].planned, row["adherence"].skipped, row["adherence"].missed) == (
        4,
        1,
        3,
    )
    assert "Puntualità dal 1 febbraio 2026 al 28 febbraio 2026." in response.content.decode()


def _past_fridays(since):
    day = since
    while day.weekday() != 4:
        day += timedelta(days=1)
    while day < timezone.localdate():
        yield rome(day.year, day.month, day.day, 12)
        day += timedelta(days=7)


@pytest.mark.parametrize("count", [1, 3])
def test_the_list_runs_a_fixed_number_of_queries(editor_client, django_assert_num_queries, count):
    channel = ChannelFactory()
    start = timezone.localdate() - timedelta(days=60)
    for _n in range(count):
        slot = SlotFactory(channels=[channel], start_date=start)
        services.skip_occurrence(
            slot, next(iter(_past_fridays(start))), by=slot.owner, reason="Festività"
        )
    editor_client.get(reverse("slots:list"))  # warm the session and role caches

    # session, user, groups, slots, channels, fills x2, skips x2 (adherence, next), crisis banner
    with django_assert_num_queries(10):
        response = editor_client.get(reverse("slots:list"))
    assert len(response.context["rows"]) == count


def test_the_detail_page_offers_fill_and_skip_for_upcoming_occurrences(editor_client):
    slot = SlotFactory(name="Scadenze del mese", start_date=timezone.localdate())

    response = editor_client.get(slot.get_absolute_url())

    content = response.content.decode()
    assert response.status_code == 200
    assert "Riempi" in content and "Salta" in content
    assert "slot-placeholder" in content
    assert len(response.context["upcoming"]) == 8


def test_filling_from_the_page_opens_the_new_draft_and_a_second_click_the_same_one(
    editor_client, channel
):
    slot = SlotFactory(channels=[channel])
    url = reverse("slots:fill", args=[slot.pk])

    first = editor_client.post(url, {"occorrenza": OCCURRENCE})
    second = editor_client.post(url, {"occorrenza": OCCURRENCE})

    fill = SlotFill.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == fill.post.get_absolute_url()
    assert fill.occurrence_at == rome(2026, 3, 6, 12)


def test_filling_from_htmx_redirects_the_whole_page(editor_client):
    slot = SlotFactory()
    response = editor_client.post(
        reverse("slots:fill", args=[slot.pk]),
        {"occorrenza": OCCURRENCE},
        headers={"HX-Request": "true"},
    )
    assert response.headers["HX-Redirect"] == SlotFill.objects.get().post.get_absolute_url()


@pytest.mark.parametrize("value", ["", "ieri", "2026-03-06T12:00:00", "2026-02-30T12:00+01:00"])
def test_a_malformed_occurrence_is_refused_with_a_message_not_a_500(editor_client, value):
    slot = SlotFactory()

    response = editor_client.post(
        reverse("slots:fill", args=[slot.pk]), {"occorrenza": value}, follow=True
    )

    assert response.status_code == 200
    assert "Uscita non valida" in response.content.decode()
    assert SlotFill.objects.count() == 0


def test_a_time_the_slot_does_not_occur_at_is_refused_with_a_message(editor_client):
    slot = SlotFactory()
    response = editor_client.post(
        reverse("slots:fill", args=[slot.pk]),
        {"occorrenza": "2026-03-05T12:00:00+01:00"},
        follow=True,
    )
    assert "non ha un&#x27;uscita in quella data" in response.content.decode()
    assert SlotFill.objects.count() == 0


def test_skipping_asks_for_a_reason_then_goes_back(editor_client):
    slot = SlotFactory()
    url = reverse("slots:skip", args=[slot.pk])

    form = editor_client.get(url, {"occorrenza": OCCURRENCE, "next": "/calendario/"})
    missing = editor_client.post(url, {"occorrenza": OCCURRENCE, "reason": ""})
    done = editor_client.post(
        url, {"occorrenza": OCCURRENCE, "reason": "Festa patronale", "next": "/calendario/"}
    )

    assert "venerdì 6 marzo 2026" in form.content.decode().lower()
    assert missing.status_code == 200
    assert 'id="id_reason_error"' in missing.content.decode()
    assert done["Location"] == "/calendario/"
    assert SlotSkip.objects.get().reason == "Festa patronale"


def test_skipping_never_redirects_off_site(editor_client):
    slot = SlotFactory()
    response = editor_client.post(
        reverse("slots:skip", args=[slot.pk]),
        {"occorrenza": OCCURRENCE, "reason": "Festività", "next": "https://evil.example/"},
    )
    assert response["Location"] == slot.get_absolute_url()


def test_restoring_and_unlinking_reopen_the_occurrence(editor_client, editor):
    slot = SlotFactory()
    at = rome(2026, 3, 6, 12)
    services.skip_occurrence(slot, at, by=editor, reason="Festività")
    editor_client.post(reverse("slots:unskip", args=[slot.pk]), {"occorrenza": OCCURRENCE})
    assert SlotSkip.objects.count() == 0

    post = services.fill_occurrence(slot, at, by=editor)
    editor_client.post(reverse("slots:unfill", args=[slot.pk]), {"occorrenza": OCCURRENCE})
    assert SlotFill.objects.count() == 0
    post.refresh_from_db()
    assert post.pk is not None


def test_the_placeholder_says_what_it_is_in_words_and_offers_fill_and_skip(editor):
    slot = SlotFactory(name="Eventi del weekend")
    request = RequestFactory().get("/calendario/")
    request.user = editor

    html = render_to_string(
        "slots/includes/occurrence_placeholder.html",
        {"occurrence": Occurrence(slot=slot, at=rome(2026, 3, 29, 12))},
        request=request,
    )

    assert "slot-placeholder" in html
    assert "12:00" in html and "Eventi del weekend" in html
    assert "da riempire" in html
    assert 'name="occorrenza" value="2026-03-29T12:00:00+02:00"' in html
    assert reverse("slots:fill", args=[slot.pk]) in html
    assert "occorrenza=2026-03-29T12%3A00%3A00%2B02%3A00" in html
    assert "csrfmiddlewaretoken" in html


def test_the_home_page_context_has_the_empty_occurrences(editor):
    from apps.home.dashboard import home_context

    SlotFactory(start_date=date.today())
    empty = home_context(editor)["empty_occurrences"]
    assert len(empty) == 2
    assert all(o.is_open for o in empty)


@pytest.mark.parametrize("count", [1, 3])
def test_the_detail_page_runs_a_fixed_number_of_queries(
    editor_client, editor, django_assert_num_queries, count
):
    today = timezone.localdate()
    # A daily slot over eleven days: enough rows to show N+1 queries, few enough to render fast.
    slot = SlotFactory(
        channels=[ChannelFactory()],
        start_date=today - timedelta(days=5),
        end_date=today + timedelta(days=5),
        rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU",
    )
    for days in range(1, count + 1):
        day = today - timedelta(days=days)
        services.fill_occurrence(slot, rome(day.year, day.month, day.day, 12), by=editor)
        day = today + timedelta(days=days)
        services.skip_occurrence(
            slot, rome(day.year, day.month, day.day, 12), by=editor, reason="Festività"
        )
    editor_client.get(slot.get_absolute_url())

    # session, user, groups, slot, channels, fills, skips, then adherence: fills, skips,
    # deliveries; the crisis banner
    with django_assert_num_queries(11):
        response = editor_client.get(slot.get_absolute_url())
    assert response.context["adherence"].filled == count


def test_the_home_panel_lists_empty_occurrences_nearest_first(editor):
    slot = SlotFactory(name="Eventi del weekend")
    request = RequestFactory().get("/")
    request.user = editor
    occurrences = [
        Occurrence(slot=slot, at=rome(2026, 3, 6, 12)),
        Occurrence(slot=slot, at=rome(2026, 3, 13, 12)),
    ]

    html = render_to_string(
        "slots/includes/empty_slots_panel.html", {"empty_occurrences": occurrences}, request
    )
    empty = render_to_string("slots/includes/empty_slots_panel.html", {}, request)

    assert html.count('class="slot-placeholder"') == 2
    assert html.lower().index("6 marzo") < html.lower().index("13 marzo")
    assert "Tutte le uscite delle rubriche sono già pianificate." in empty


def test_the_home_page_shows_the_empty_slots_panel(editor_client):
    SlotFactory(name="Scadenze del mese", start_date=timezone.localdate())

    response = editor_client.get(reverse("home"))

    content = response.content.decode()
    assert "Rubriche da riempire nei prossimi 14 giorni" in content
    assert content.count('class="slot-placeholder"') == 2
