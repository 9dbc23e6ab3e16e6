"""Public pages and management pages through the Django client."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import timezone
from PIL import Image

from apps.events.models import Event, EventStatus

from .conftest import make_event, rome, vevents

pytestmark = pytest.mark.django_db


def _soon(days=3, hour=21):
    day = timezone.localdate() + timedelta(days=days)
    return rome(day.year, day.month, day.day, hour)


def _png(size=(8, 8)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, format="PNG")
    return SimpleUploadedFile("locandina.png", buffer.getvalue(), content_type="image/png")


# --- Public pages ------------------------------------------------------------------


def test_the_public_list_shows_upcoming_published_events_only(client, cultura):
    make_event(category=cultura, title="Concerto in piazza", starts_at=_soon())
    make_event(category=cultura, title="Bozza segreta", starts_at=_soon(), published=False)
    make_event(category=cultura, title="Passato", starts_at=_soon(days=-3))
    response = client.get("/eventi/")
    page = response.content.decode()
    assert response.status_code == 200
    assert [o.event.title for o in response.context["page"].object_list] == ["Concerto in piazza"]
    assert "Bozza segreta" not in page


def test_the_public_list_filters_by_category_and_dates(client, cultura, mercati):
    make_event(category=cultura, title="Mostra", starts_at=_soon(days=2))
    make_event(category=mercati, title="Mercato", starts_at=_soon(days=2))
    make_event(category=cultura, title="Teatro", starts_at=_soon(days=20))
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = client.get("/eventi/", {"categoria": "cultura", "al": day})
    assert [o.event.title for o in response.context["page"].object_list] == ["Mostra"]


@pytest.mark.parametrize(
    "query",
    [
        {"dal": "2026-02-31"},
        {"al": "domani"},
        {"dal": "2026-12-10", "al": "2026-12-01"},
        {"categoria": "<script>alert(1)</script>"},
        {"pagina": "mille"},
        {"dal": "9999-12-31"},
    ],
)
def test_bad_filters_get_a_clear_message_never_a_500(client, cultura, query):
    make_event(category=cultura, title="Mostra", starts_at=_soon())
    response = client.get("/eventi/", query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    if "pagina" not in query:
        assert "Alcuni filtri non sono validi" in page
        assert [o.event.title for o in response.context["page"].object_list] == ["Mostra"]


def test_an_htmx_filter_request_gets_only_the_results(client, cultura):
    make_event(category=cultura, title="Mostra", starts_at=_soon())
    response = client.get("/eventi/", {"categoria": "cultura"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert '<div id="event-results"' in page
    assert "<h1" not in page
    assert "Mostra" in page
    assert "HX-Request" in response["Vary"]


def test_going_back_to_a_filtered_url_without_htmx_cache_gets_the_whole_page(client, cultura):
    make_event(category=cultura, title="Mostra", starts_at=_soon())
    response = client.get(
        "/eventi/",
        {"categoria": "cultura"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    page = response.content.decode()
    assert page.count("<h1") == 1 and "Mostra" in page
    assert "HX-History-Restore-Request" in response["Vary"]


def test_the_filters_are_a_labelled_fieldset_and_the_count_is_announced(client, cultura):
    make_event(category=cultura, title="Mostra", starts_at=_soon())
    make_event(category=cultura, title="Teatro", starts_at=_soon(days=4))
    page = client.get("/eventi/").content.decode()
    assert "<fieldset" in page
    assert "<legend" in page and "Filtra gli eventi" in page
    for name in ("categoria", "dal", "al"):
        assert f'<label class="form-label" for="id_{name}">' in page
    assert 'id="event-results-count" role="status"' in page
    assert "2 eventi trovati" in page


def test_an_htmx_filter_updates_the_announced_count_in_place(client, cultura):
    make_event(category=cultura, title="Mostra", starts_at=_soon())
    response = client.get("/eventi/", {"categoria": "cultura"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    # Out of band into the live region that stays on the page, so screen readers hear it.
    assert 'id="event-results-count" role="status" hx-swap-oob="innerHTML"' in page
    assert "1 evento trovato" in page


def test_the_public_list_query_count_does_not_grow_with_events(
    client, cultura, django_assert_num_queries
):
    make_event(category=cultura, starts_at=_soon())
    client.get("/eventi/")
    with django_assert_num_queries(2) as one:
        client.get("/eventi/")
    for days in (4, 5):
        make_event(category=cultura, starts_at=_soon(days=days))
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get("/eventi/")
    assert len(response.context["page"].object_list) == 3


def test_the_detail_page_escapes_text_and_offers_the_calendar_download(client, cultura):
    event = make_event(
        category=cultura,
        title="<script>alert('x')</script> Concerto",
        description="Riga uno\n<b>grassetto</b>",
        starts_at=_soon(),
    )
    response = client.get(f"/eventi/{event.pk}/")
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "&lt;b&gt;grassetto&lt;/b&gt;" in page
    assert f'href="/eventi/{event.pk}/evento.ics"' in page
    assert "Aggiungi al calendario" in page


def test_a_draft_has_no_public_page_nor_download(client, cultura):
    event = make_event(category=cultura, published=False)
    assert client.get(f"/eventi/{event.pk}/").status_code == 404
    assert client.get(f"/eventi/{event.pk}/evento.ics").status_code == 404


def test_staff_preview_a_draft_marked_as_such(editor_client, cultura):
    event = make_event(category=cultura, title="Bozza in lavorazione", published=False)
    response = editor_client.get(f"/eventi/{event.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Anteprima: questo evento non è pubblicato" in page
    assert "evento.ics" not in page
    assert "no-store" in response["Cache-Control"]
    assert editor_client.get(f"/eventi/{event.pk}/evento.ics").status_code == 404


def test_a_cancelled_event_page_says_so(client, cultura):
    event = make_event(category=cultura, status=EventStatus.CANCELLED, starts_at=_soon())
    page = client.get(f"/eventi/{event.pk}/").content.decode()
    assert "Questo evento è stato annullato." in page
    assert "evento.ics" not in page


def test_the_single_event_download_is_an_ics_attachment(client, cultura):
    event = make_event(category=cultura, title="Cinema")
    response = client.get(f"/eventi/{event.pk}/evento.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="evento-{event.pk}.ics"'
    assert [str(e["SUMMARY"]) for e in vevents(response.content)] == ["Cinema"]


def test_the_subscribe_page_offers_webcal_and_https_for_every_feed(client, settings):
    settings.SITE_URL = "https://www.comune.esempio.it"
    page = client.get("/eventi/abbonati/").content.decode()
    assert 'href="webcal://www.comune.esempio.it/eventi/feed.ics"' in page
    assert 'value="https://www.comune.esempio.it/eventi/feed.ics"' in page
    for slug in ("cultura", "sport", "mercati", "scadenze", "servizi"):
        assert f'href="webcal://www.comune.esempio.it/eventi/feed/{slug}.ics"' in page
        assert f'data-feed-copy="feed-{slug}-url"' in page
    for client_name in ("Google Calendar", "Apple Calendar", "Outlook"):
        assert client_name in page


def test_the_copy_buttons_work_from_the_events_script_without_inline_code(client):
    page = client.get("/eventi/abbonati/").content.decode()
    assert '<script src="/static/js/events.js" defer></script>' in page
    assert "<script>" not in page and " onclick=" not in page
    # Said when the browser refuses the copy: the address stays selected for the keyboard.
    assert "data-failed-text=" in page
    assert 'role="status"' in page


# --- Management ------------------------------------------------------------------------


def _form(category, **overrides):
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    data = {
        "title": "Concerto di Natale",
        "category": category.pk,
        "description": "Coro e orchestra.",
        "start_date": day,
        "start_time": "21:00",
        "end_time": "23:00",
        "location_name": "Teatro comunale",
        "published": "on",
    }
    data.update(overrides)
    return data


def test_an_editor_creates_an_event_in_local_time(editor_client, cultura):
    response = editor_client.post(
        "/eventi/gestione/nuovo/",
        _form(cultura, start_date="2026-03-29", start_time="10:00", end_time="12:00"),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.starts_at, event.ends_at) == (rome(2026, 3, 29, 10), rome(2026, 3, 29, 12))
    assert (event.title, event.created_by.username, event.published) == (
        "Concerto di Natale",
        "redattrice",
        True,
    )


def test_an_all_day_multi_day_event_is_stored_with_an_exclusive_end(editor_client, mercati):
    data = _form(mercati, all_day="on", start_date="2026-12-04", end_date="2026-12-06")
    del data["start_time"], data["end_time"]
    editor_client.post("/eventi/gestione/nuovo/", data)
    event = Event.objects.get()
    assert (event.starts_at, event.ends_at) == (rome(2026, 12, 4), rome(2026, 12, 7))
    assert event.last_day.isoformat() == "2026-12-06"


def test_an_invalid_form_keeps_what_was_typed(editor_client, cultura):
    data = _form(cultura, title="Concerto, con virgole; e punti", end_time="20:00")
    response = editor_client.post("/eventi/gestione/nuovo/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "La fine deve venire dopo l&#x27;inizio." in page
    assert 'value="Concerto, con virgole; e punti"' in page
    assert 'aria-invalid="true"' in page
    assert Event.objects.count() == 0


def test_a_title_of_ten_thousand_characters_is_a_form_error(editor_client, cultura):
    response = editor_client.post("/eventi/gestione/nuovo/", _form(cultura, title="a" * 10_000))
    assert response.status_code == 200
    assert "title" in response.context["form"].errors


def test_a_ten_thousand_character_description_is_kept_exactly(editor_client, cultura):
    text = ("Perché sì; è così, \\ ecco 🎉\n" * 400)[:10_000]
    editor_client.post("/eventi/gestione/nuovo/", _form(cultura, description=text))
    assert Event.objects.get().description == text


def test_an_endless_recurrence_needs_a_recurring_category(editor_client, cultura, mercati):
    refused = editor_client.post("/eventi/gestione/nuovo/", _form(cultura, repeat_weekly="on"))
    assert "repeat_until" in refused.context["form"].errors
    accepted = editor_client.post("/eventi/gestione/nuovo/", _form(mercati, repeat_weekly="on"))
    assert accepted.status_code == 302
    assert Event.objects.get().rrule == "FREQ=WEEKLY"


def test_an_image_needs_alt_text(editor_client, cultura):
    refused = editor_client.post("/eventi/gestione/nuovo/", {**_form(cultura), "image": _png()})
    assert "image_alt" in refused.context["form"].errors
    accepted = editor_client.post(
        "/eventi/gestione/nuovo/",
        {**_form(cultura), "image": _png(), "image_alt": "Locandina del concerto"},
    )
    assert accepted.status_code == 302
    event = Event.objects.get()
    assert event.image.name.endswith(".png")
    assert event.image_alt == "Locandina del concerto"


def test_an_image_too_heavy_or_not_an_image_is_refused(editor_client, cultura, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 10  # the media library's limit: the image goes there
    heavy = editor_client.post(
        "/eventi/gestione/nuovo/", {**_form(cultura), "image": _png(), "image_alt": "x"}
    )
    fake = SimpleUploadedFile("finta.png", b"not an image", content_type="image/png")
    settings.MEDIA_MAX_IMAGE_BYTES = 5_000_000
    not_image = editor_client.post(
        "/eventi/gestione/nuovo/", {**_form(cultura), "image": fake, "image_alt": "x"}
    )
    assert "image" in heavy.context["form"].errors
    assert "image" in not_image.context["form"].errors
    assert Event.objects.count() == 0


def test_editing_the_time_increments_the_sequence_editing_the_title_does_not(
    editor_client, cultura
):
    event = make_event(category=cultura, starts_at=_soon(days=5, hour=21))
    url = f"/eventi/gestione/{event.pk}/modifica/"
    editor_client.post(url, _form(cultura, title="Titolo nuovo", location_name=event.location_name))
    event.refresh_from_db()
    assert (event.title, event.sequence) == ("Titolo nuovo", 0)
    editor_client.post(
        url,
        _form(cultura, title="Titolo nuovo", location_name=event.location_name, start_time="20:30"),
    )
    event.refresh_from_db()
    assert (event.starts_at, event.sequence) == (_soon(days=5, hour=20) + timedelta(minutes=30), 1)


def test_cancel_and_postpone_from_the_management_pages(editor_client, cultura):
    cancelled = make_event(category=cultura, starts_at=_soon())
    postponed = make_event(category=cultura, starts_at=_soon())
    confirm_page = editor_client.get(f"/eventi/gestione/{cancelled.pk}/annulla/")
    assert "30 giorni" in confirm_page.content.decode()
    editor_client.post(f"/eventi/gestione/{cancelled.pk}/annulla/")
    editor_client.post(
        f"/eventi/gestione/{postponed.pk}/rinvia/",
        {"start_date": "2027-01-09", "start_time": "21:00", "end_time": "23:00"},
    )
    cancelled.refresh_from_db()
    postponed.refresh_from_db()
    assert cancelled.status == EventStatus.CANCELLED
    assert (postponed.status, postponed.starts_at, postponed.sequence) == (
        EventStatus.POSTPONED,
        rome(2027, 1, 9, 21),
        1,
    )


def test_a_bad_postpone_date_is_a_form_error(editor_client, cultura):
    event = make_event(category=cultura, starts_at=_soon())
    response = editor_client.post(
        f"/eventi/gestione/{event.pk}/rinvia/", {"start_date": "2027-02-30", "start_time": "21:00"}
    )
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors
    event.refresh_from_db()
    assert event.status == EventStatus.CONFIRMED


def test_the_management_list_query_count_does_not_grow(
    editor_client, cultura, django_assert_num_queries
):
    make_event(category=cultura, starts_at=_soon(), published=False)
    editor_client.get("/eventi/gestione/")
    with django_assert_num_queries(7) as one:
        editor_client.get("/eventi/gestione/")
    for days in (4, 5):
        make_event(category=cultura, starts_at=_soon(days=days))
    with django_assert_num_queries(len(one.captured_queries)):
        response = editor_client.get("/eventi/gestione/")
    assert len(response.context["page"].object_list) == 3


@pytest.mark.parametrize(
    "overrides",
    [
        {"start_date": "9999-12-31", "all_day": "on"},
        {"end_date": "9999-12-31", "all_day": "on"},
        {"start_date": "0001-01-01"},
        {"repeat_weekly": "on", "repeat_until": "9999-12-31"},
        {"start_time": "25:00"},
    ],
)
def test_absurd_dates_are_form_errors_never_a_500(editor_client, mercati, overrides):
    response = editor_client.post("/eventi/gestione/nuovo/", _form(mercati, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Event.objects.count() == 0


def test_a_time_skipped_by_the_clock_change_is_a_form_error(editor_client, cultura):
    data = _form(cultura, start_date="2026-03-29", start_time="02:30", end_time="04:00")
    response = editor_client.post("/eventi/gestione/nuovo/", data)
    assert "start_time" in response.context["form"].errors
    assert Event.objects.count() == 0


def test_a_browser_description_is_stored_with_plain_newlines_and_round_trips(
    editor_client, client, cultura
):
    typed = "Prima riga,\r\nseconda; riga \\ con 🎉\r\nBEGIN:VEVENT"
    editor_client.post("/eventi/gestione/nuovo/", _form(cultura, description=typed))
    event = Event.objects.get()
    assert event.description == typed.replace("\r\n", "\n")
    (vevent,) = vevents(client.get(f"/eventi/{event.pk}/evento.ics").content)
    assert vevent["DESCRIPTION"] == event.description


def test_the_weekend_shortcut_lists_the_weekend_events(client, cultura):
    shortcuts = client.get("/eventi/").context["shortcuts"]
    weekend = next(s for s in shortcuts if s["label"] == "Questo fine settimana")
    query = QueryDict(weekend["query"])
    first, last = date.fromisoformat(query["dal"]), date.fromisoformat(query["al"])
    assert first.weekday() in (5, 6) and last.weekday() == 6
    today = timezone.localdate()
    make_event(category=cultura, title="Nel weekend", starts_at=_soon(days=(last - today).days))
    make_event(category=cultura, title="Dopo", starts_at=_soon(days=(last - today).days + 2))
    filtered = client.get("/eventi/?" + weekend["query"])
    assert [o.event.title for o in filtered.context["page"].object_list] == ["Nel weekend"]
    assert 'aria-current="true"' in filtered.content.decode()


def test_the_detail_page_takes_one_query(client, cultura, django_assert_num_queries):
    event = make_event(category=cultura, starts_at=_soon())
    with django_assert_num_queries(1):
        response = client.get(f"/eventi/{event.pk}/")
    assert response.context["event"] == event


@pytest.mark.parametrize(
    ("today", "weekend"),
    [
        (date(2026, 11, 23), ("2026-11-28", "2026-11-29")),  # Monday
        (date(2026, 11, 28), ("2026-11-28", "2026-11-29")),  # Saturday
        (date(2026, 11, 29), ("2026-11-29", "2026-11-29")),  # Sunday: what is left
    ],
)
def test_the_weekend_shortcut_is_the_coming_or_current_weekend(today, weekend):
    from apps.events.views import _shortcuts

    shortcut = _shortcuts(today, None, today, today)[1]
    query = QueryDict(shortcut["query"])
    assert (query["dal"], query["al"]) == weekend


def test_an_edit_keeps_the_image_unless_removed(editor_client, cultura):
    editor_client.post(
        "/eventi/gestione/nuovo/",
        {**_form(cultura), "image": _png(), "image_alt": "Locandina del concerto"},
    )
    event = Event.objects.get()
    url = f"/eventi/gestione/{event.pk}/modifica/"
    kept = editor_client.post(url, _form(cultura, image_alt="Locandina"))
    event.refresh_from_db()
    assert kept.status_code == 302
    # The uploaded image went into the media library: its alt text is the library's.
    assert (bool(event.image), event.image_alt) == (True, "Locandina del concerto")
    editor_client.post(url, _form(cultura, remove_image="on", image_alt=""))
    event.refresh_from_db()
    assert (bool(event.image), event.image_alt) == (False, "")


def test_dates_read_as_italian_running_text(client, cultura):
    event = make_event(
        category=cultura, starts_at=rome(2026, 12, 5, 21), ends_at=rome(2026, 12, 5, 23)
    )
    page = client.get(f"/eventi/{event.pk}/").content.decode()
    assert 'datetime="2026-12-05T21:00:00+01:00">sabato 5 dicembre 2026, 21:00</time>–' in page


def test_an_uploaded_image_gets_a_random_name(editor_client, cultura):
    upload = _png()
    upload.name = "mia foto <script>.png"
    editor_client.post(
        "/eventi/gestione/nuovo/", {**_form(cultura), "image": upload, "image_alt": "Foto"}
    )
    name = Event.objects.get().image.name
    assert name.startswith("media_library/") and name.endswith(".png")
    assert "foto" not in name and "script" not in name


def test_an_all_day_event_is_postponed_by_days(editor_client, cultura):
    event = make_event(
        category=cultura, all_day=True, starts_at=rome(2026, 12, 4), ends_at=rome(2026, 12, 5)
    )
    url = f"/eventi/gestione/{event.pk}/rinvia/"
    assert 'id="id_start_time"' not in editor_client.get(url).content.decode()
    editor_client.post(url, {"start_date": "2026-12-11", "end_date": "2026-12-12"})
    event.refresh_from_db()
    assert (event.starts_at, event.ends_at) == (rome(2026, 12, 11), rome(2026, 12, 13))
    assert (event.status, event.sequence) == (EventStatus.POSTPONED, 1)


def test_the_management_list_filters_by_text_status_category_and_past(
    editor_client, cultura, mercati
):
    make_event(category=cultura, title="Concerto jazz", starts_at=_soon())
    make_event(category=mercati, title="Mercato", starts_at=_soon(), status=EventStatus.POSTPONED)
    make_event(category=cultura, title="Concerto passato", starts_at=_soon(days=-5))

    def titles(query):
        response = editor_client.get("/eventi/gestione/", query)
        return [e.title for e in response.context["page"].object_list]

    assert titles({}) == ["Concerto jazz", "Mercato"]
    assert titles({"q": "concerto"}) == ["Concerto jazz"]
    assert titles({"q": "concerto", "passati": "on"}) == ["Concerto passato", "Concerto jazz"]
    assert titles({"stato": "postponed"}) == ["Mercato"]
    assert titles({"categoria": "mercati"}) == ["Mercato"]
    assert titles({"categoria": "ignota", "stato": "boh"}) == ["Concerto jazz", "Mercato"]


def test_many_events_are_paginated_keeping_the_filters(client, cultura):
    for days in range(1, 23):
        make_event(category=cultura, title=f"Evento {days}", starts_at=_soon(days=days))
    page = client.get("/eventi/", {"categoria": "cultura"}).content.decode()
    assert 'aria-label="Pagine degli eventi"' in page
    assert "Pagina 1 di 2" in page
    assert 'href="?categoria=cultura&amp;pagina=2"' in page
    assert "22 eventi trovati" in page
