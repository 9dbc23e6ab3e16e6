"""The feed URLs: HTTP validators, the cache, what is published and for how long."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.events.models import Event, EventCategory, EventStatus
from apps.events.services import cancel_event, update_event

from .conftest import flush_caches, make_event, vevents

pytestmark = pytest.mark.django_db
FEED = "/eventi/feed.ics"


def _titles(response) -> list[str]:
    return [str(e["SUMMARY"]) for e in vevents(response.content)]


def test_the_feed_urls_never_change():
    assert reverse("events:feed") == FEED
    assert reverse("events:category_feed", args=["sport"]) == "/eventi/feed/sport.ics"


def test_the_feed_is_public_calendar_data_with_validators(client, cultura):
    make_event(category=cultura, title="Mostra")
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith("GMT")
    assert "public" in response["Cache-Control"]
    assert "max-age=900" in response["Cache-Control"]
    assert _titles(response) == ["Mostra"]


def test_a_conditional_get_answers_304_with_no_body(client, cultura):
    make_event(category=cultura)
    first = client.get(FEED)
    by_etag = client.get(FEED, HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(FEED, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert (by_date.status_code, by_date.content) == (304, b"")
    assert by_etag["ETag"] == first["ETag"]


def test_polling_a_cached_feed_costs_no_query(client, cultura, django_assert_num_queries):
    make_event(category=cultura)
    first = client.get(FEED)
    with django_assert_num_queries(0):
        again = client.get(FEED)
        not_modified = client.get(FEED, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.content == first.content
    assert not_modified.status_code == 304


def test_a_change_to_an_event_invalidates_the_cached_feed(client, cultura):
    event = make_event(category=cultura, title="Mostra")
    first = client.get(FEED)
    update_event(event=event, by=None, title="Mostra fotografica")
    stale = client.get(FEED, HTTP_IF_NONE_MATCH=first["ETag"])
    assert stale.status_code == 200
    assert stale["ETag"] != first["ETag"]
    assert _titles(stale) == ["Mostra fotografica"]


def test_a_deleted_event_leaves_the_feed(client, cultura):
    event = make_event(category=cultura, title="Mostra")
    client.get(FEED)
    event.delete()
    assert _titles(client.get(FEED)) == []


def test_the_version_survives_a_cache_flush_with_the_same_etag(client, cultura):
    make_event(category=cultura)
    first = client.get(FEED)
    flush_caches()
    assert client.get(FEED, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_drafts_never_reach_a_feed(client, cultura):
    make_event(category=cultura, title="Pubblico")
    make_event(category=cultura, title="Bozza", published=False)
    assert _titles(client.get(FEED)) == ["Pubblico"]
    assert _titles(client.get("/eventi/feed/cultura.ics")) == ["Pubblico"]


def test_a_category_feed_holds_only_its_category(client, cultura, mercati):
    make_event(category=cultura, title="Mostra")
    make_event(category=mercati, title="Mercato")
    response = client.get("/eventi/feed/mercati.ics")
    assert _titles(response) == ["Mercato"]
    assert "Mercati" in response.content.decode()


def test_unknown_and_retired_categories_answer_404(client):
    EventCategory.objects.create(name="Vecchia", slug="vecchia", retired=True)
    assert client.get("/eventi/feed/ignota.ics").status_code == 404
    assert client.get("/eventi/feed/vecchia.ics").status_code == 404


def test_retiring_a_category_removes_its_feed_at_once(client, cultura):
    assert client.get("/eventi/feed/cultura.ics").status_code == 200
    cultura.retired = True
    cultura.save(update_fields=["retired"])
    assert client.get("/eventi/feed/cultura.ics").status_code == 404


def test_a_cancelled_event_stays_as_cancelled_during_the_retention(client, cultura, settings):
    settings.CANCELLED_EVENT_RETENTION_DAYS = 30
    recent = make_event(category=cultura, title="Annullato da poco")
    old = make_event(category=cultura, title="Annullato da tempo")
    cancel_event(event=recent, by=None)
    cancel_event(event=old, by=None)
    Event.objects.filter(pk=old.pk).update(cancelled_at=timezone.now() - timedelta(days=31))
    flush_caches()
    (vevent,) = vevents(client.get(FEED).content)
    assert (str(vevent["SUMMARY"]), vevent["STATUS"]) == (
        "ANNULLATO – Annullato da poco",
        "CANCELLED",
    )


def test_old_past_events_leave_the_feed_but_recent_ones_stay(client, cultura):
    now = timezone.now()
    make_event(category=cultura, title="Ieri", starts_at=now - timedelta(days=1))
    make_event(category=cultura, title="Un anno fa", starts_at=now - timedelta(days=365))
    assert _titles(client.get(FEED)) == ["Ieri"]


def test_a_running_series_stays_in_the_feed_after_its_first_date(client, mercati):
    make_event(
        category=mercati,
        title="Mercato settimanale",
        starts_at=timezone.now() - timedelta(days=400),
        rrule="FREQ=WEEKLY",
    )
    assert _titles(client.get(FEED)) == ["Mercato settimanale"]


def test_head_is_answered_like_get(client, cultura):
    response = client.head(FEED)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


def test_a_postponed_event_is_tentative_in_the_feed(client, cultura):
    make_event(category=cultura, status=EventStatus.POSTPONED)
    (vevent,) = vevents(client.get(FEED).content)
    assert vevent["STATUS"] == "TENTATIVE"


def test_building_a_feed_takes_the_same_queries_for_1_and_3_events(
    client, cultura, mercati, django_assert_num_queries
):
    make_event(category=cultura)
    flush_caches()
    with django_assert_num_queries(3) as one:
        client.get(FEED)
    make_event(category=mercati)
    make_event(category=cultura, rrule="FREQ=WEEKLY", status=EventStatus.POSTPONED)
    flush_caches()
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(FEED)
    assert len(_titles(response)) == 3


def test_a_change_drops_the_version_at_once_and_publishes_it_after_commit(
    client, cultura, django_capture_on_commit_callbacks
):
    from apps.events.feeds import ALL, VERSION_KEY

    event = make_event(category=cultura, title="Mostra")
    client.get(FEED)
    old = cache.get(VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        update_event(event=event, by=None, title="Mostra fotografica")
        assert cache.get(VERSION_KEY) is None  # readers meanwhile recompute from the database
    for callback in callbacks:
        callback()
    assert cache.get(VERSION_KEY)["scopes"][ALL] != old["scopes"][ALL]
    assert _titles(client.get(FEED)) == ["Mostra fotografica"]


def test_with_the_cache_down_feeds_are_served_and_events_still_save(client, cultura, settings):
    settings.CACHES = {"default": {"BACKEND": "tests.events.conftest.BrokenCache"}}
    event = make_event(category=cultura, title="Mostra")
    update_event(event=event, by=None, title="Mostra fotografica")
    response = client.get(FEED)
    assert response.status_code == 200
    assert _titles(response) == ["Mostra fotografica"]


def _settled(event, days=2):
    """The event last changed some days ago (Last-Modified is then today's midnight)."""
    Event.objects.filter(pk=event.pk).update(updated_at=timezone.now() - timedelta(days=days))
    flush_caches()


def test_renaming_a_category_moves_last_modified_for_clients_without_etag(client, cultura):
    _settled(make_event(category=cultura))
    first = client.get("/eventi/feed/cultura.ics")
    cultura.name = "Cultura e spettacolo"
    cultura.save()
    again = client.get("/eventi/feed/cultura.ics", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert "Cultura e spettacolo" in again.content.decode()
    assert again["Last-Modified"] != first["Last-Modified"]


@pytest.mark.parametrize(
    "if_none_match",
    ['"other", {etag}', '{etag}, "other"', "W/{etag}", "*"],
)
def test_if_none_match_lists_weak_tags_and_star_answer_304(client, cultura, if_none_match):
    make_event(category=cultura)
    etag = client.get(FEED)["ETag"]
    response = client.get(FEED, HTTP_IF_NONE_MATCH=if_none_match.format(etag=etag))
    assert (response.status_code, response.content) == (304, b"")
    assert response["ETag"] == etag


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_IF_NONE_MATCH": '"stale"'},
        {"HTTP_IF_NONE_MATCH": "garbage, ,"},
        {"HTTP_IF_MODIFIED_SINCE": "ieri"},
        {"HTTP_IF_MODIFIED_SINCE": "Mon, 99 Foo 99999 99:99:99 GMT"},
        {"HTTP_IF_MODIFIED_SINCE": "Sun, 06 Nov 1994 08:49:37 GMT"},
        {"HTTP_IF_UNMODIFIED_SINCE": "garbage", "HTTP_IF_MATCH": "garbage"},
    ],
)
def test_stale_or_garbage_validators_get_the_full_feed(client, cultura, headers):
    make_event(category=cultura, title="Mostra")
    response = client.get(FEED, **headers)
    assert response.status_code == 200
    assert _titles(response) == ["Mostra"]


def test_an_etag_is_not_a_date_when_both_are_sent(client, cultura):
    """RFC 9110 13.2.2: with If-None-Match, If-Modified-Since is ignored."""
    make_event(category=cultura)
    first = client.get(FEED)
    response = client.get(
        FEED, HTTP_IF_NONE_MATCH='"stale"', HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert response.status_code == 200


def test_a_category_named_with_a_line_break_still_has_its_feed(client, cultura):
    # Saved past the forms (shell, an older release): the feed is served, the name one line.
    name = "Sport\r\ne tempo libero; giochi, tornei"
    EventCategory.objects.create(name=name, slug="sport-giochi")
    response = client.get("/eventi/feed/sport-giochi.ics")
    assert response.status_code == 200
    lines = response.content.replace(b"\r\n ", b"").split(b"\r\n")  # unfolded
    name = "X-WR-CALNAME:Comune di Esempio · Eventi · Sport e tempo libero\\; giochi\\, tornei"
    assert name.encode() in lines


def test_the_category_form_makes_a_name_one_line():
    from django.forms import modelform_factory

    form_class = modelform_factory(EventCategory, fields=["name", "slug"])
    form = form_class(data={"name": "  Sport\n e\ttempo   libero ", "slug": "sport-tempo"})
    assert form.is_valid(), form.errors
    assert form.save().name == "Sport e tempo libero"
