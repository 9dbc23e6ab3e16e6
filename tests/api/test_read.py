"""Reading through /api/v1/: what each route returns, filters, pagination, query counts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.api.enums import Scope
from apps.crisis.models import Blackout
from apps.crisis_response.services import declare_crisis
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from apps.slots.models import SlotSkip
from tests.api.conftest import bearer
from tests.factories import (
    CategoryFactory,
    ChannelFactory,
    EventFactory,
    PostFactory,
)
from tests.slots.factories import SlotFactory

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def reader(client, editor, make_token):
    raw = make_token(editor, scopes=[Scope.READ])

    def get(path, **params):
        return client.get("/api/v1" + path, params, **bearer(raw))

    return get


def test_a_post_comes_with_its_variants_deliveries_and_public_urls(reader, editor):
    mastodon = ChannelFactory(name="Mastodon")
    telegram = ChannelFactory(name="Telegram")
    at = datetime(2030, 5, 4, 10, 30, tzinfo=ROME)
    post = PostFactory(
        author=editor, planned_at=at, status=PostStatus.PUBLISHED, channels=[mastodon, telegram]
    )
    sent = post.variants.get(channel=mastodon)
    Delivery.objects.create(
        variant=sent,
        due_at=at,
        state=DeliveryState.SENT,
        sent_at=at,
        external_url="https://social.comune.example/@comune/1",
    )

    body = reader(f"/posts/{post.pk}").json()

    assert body["status"] == "published" and body["status_label"] == "Pubblicato"
    assert [(v["channel"]["name"], v["delivery"]) for v in body["variants"]] == [
        (
            "Mastodon",
            {
                "state": "sent",
                "due_at": "2030-05-04T10:30:00+02:00",
                "sent_at": "2030-05-04T10:30:00+02:00",
                "attempts": 0,
                "public_url": "https://social.comune.example/@comune/1",
            },
        ),
        ("Telegram", None),
    ]
    assert body["planned_at"] == "2030-05-04T10:30:00+02:00"
    assert body["url"].endswith(f"/calendario/{post.pk}/")


def test_posts_are_filtered_by_range_status_and_category(reader):
    news = CategoryFactory(slug="informativo-x")
    base = timezone.now() + timedelta(days=2)
    in_range = PostFactory(planned_at=base, category=news)
    PostFactory(planned_at=base + timedelta(days=40))  # outside the default 31 days
    approved = PostFactory(planned_at=base + timedelta(hours=1), status=PostStatus.APPROVED)

    ids = lambda **p: [r["id"] for r in reader("/posts", **p).json()["results"]]  # noqa: E731

    assert ids() == [in_range.pk, approved.pk]
    assert ids(status="approved") == [approved.pk]
    assert ids(status=["approved", "draft"]) == [in_range.pk, approved.pk]
    assert ids(category="informativo-x") == [in_range.pk]
    start = (base + timedelta(days=39)).isoformat()
    assert len(ids(start=start, end=(base + timedelta(days=41)).isoformat())) == 1


def test_posts_are_paginated(reader):
    base = timezone.now() + timedelta(days=1)
    posts = [PostFactory(planned_at=base + timedelta(minutes=i)) for i in range(3)]

    first = reader("/posts", page_size=2).json()
    second = reader("/posts", page_size=2, page=2).json()
    beyond = reader("/posts", page_size=2, page=9).json()

    assert first["meta"] == {"count": 3, "page": 1, "page_size": 2, "pages": 2}
    assert [r["id"] for r in first["results"] + second["results"]] == [p.pk for p in posts]
    assert beyond["results"] == []


def test_bad_filters_are_field_errors_not_500(reader):
    for params, field in (
        ({"status": "nonsense"}, "status.0"),
        ({"start": "ieri"}, "start"),
        ({"start": "2026-01-01T00:00:00"}, "start"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"}, "end"),
        ({"start": "2026-01-01T00:00:00Z", "end": "2028-01-01T00:00:00Z"}, "end"),
        ({"page": "x"}, "page"),
    ):
        response = reader("/posts", **params)
        assert response.status_code == 400, params
        assert response["Content-Type"] == "application/problem+json"
        assert field in response.json()["errors"], (params, response.json())


@pytest.mark.parametrize("count", [1, 3])
def test_the_post_list_runs_a_fixed_number_of_queries(reader, django_assert_num_queries, count):
    base = timezone.now() + timedelta(days=1)
    channels = [ChannelFactory(name="Uno"), ChannelFactory(name="Due")]
    for i in range(count):
        post = PostFactory(planned_at=base + timedelta(minutes=i), channels=channels)
        Delivery.objects.create(variant=post.variants.first(), due_at=base)
    # token, groups, last used (first request), count, page, variants with channels+deliveries
    with django_assert_num_queries(6):
        response = reader("/posts")
    assert len(response.json()["results"]) == count


def test_categories_slots_and_occurrences(reader, editor):
    slot = SlotFactory(name="Weekend", start_date=datetime(2030, 1, 4).date())
    slot.channels.add(ChannelFactory(name="Telegram"))
    friday = datetime(2030, 1, 11, 12, 0, tzinfo=ROME)
    SlotSkip.objects.create(slot=slot, occurrence_at=friday, reason="Festa", created_by=editor)

    categories = reader("/categories").json()
    slots = reader("/slots").json()
    occurrences = reader(
        "/slots/occurrences", start="2030-01-04T00:00:00+01:00", end="2030-01-19T00:00:00+01:00"
    ).json()

    assert {"informativo", "come-fare", "territorio"} <= {c["slug"] for c in categories}
    assert [(s["name"], s["time"], [c["name"] for c in s["channels"]]) for s in slots] == [
        ("Weekend", "12:00", ["Telegram"])
    ]
    assert [(o["at"], o["state"], o["skip_reason"]) for o in occurrences] == [
        ("2030-01-04T12:00:00+01:00", "open", ""),
        ("2030-01-11T12:00:00+01:00", "skipped", "Festa"),
        ("2030-01-18T12:00:00+01:00", "open", ""),
    ]


def test_crisis_state_and_blackouts(reader, approver):
    assert reader("/crisis").json()["active"] is False
    declare_crisis(by=approver, reason="Alluvione")
    Blackout.objects.create(
        kind="mourning",
        reason="Lutto cittadino",
        starts_at=datetime(2030, 3, 12, 0, 0, tzinfo=ROME),
        ends_at=datetime(2030, 3, 13, 0, 0, tzinfo=ROME),
    )

    crisis = reader("/crisis").json()
    blackouts = reader(
        "/blackouts", start="2030-03-01T00:00:00+01:00", end="2030-04-01T00:00:00+02:00"
    ).json()

    assert (crisis["active"], crisis["reason"], crisis["all_channels"]) == (
        True,
        "Alluvione",
        True,
    )
    assert [(b["kind"], b["reason"]) for b in blackouts] == [("mourning", "Lutto cittadino")]


# --- events: public without a token -------------------------------------------------------


def test_anyone_reads_published_events_staff_tokens_also_unpublished(client, reader):
    public = EventFactory(title="Sagra")
    draft = EventFactory(title="Bozza di evento", published=False)

    anonymous = client.get("/api/v1/events").json()["results"]
    staff = reader("/events", include_unpublished="true").json()["results"]

    assert [e["title"] for e in anonymous] == ["Sagra"]
    assert client.get(f"/api/v1/events/{draft.pk}").status_code == 404
    assert client.get(f"/api/v1/events/{public.pk}").json()["title"] == "Sagra"
    assert sorted(e["title"] for e in staff) == ["Bozza di evento", "Sagra"]


def test_a_weekly_series_that_started_long_ago_is_listed(client, db):
    start = timezone.now() - timedelta(days=60)
    EventFactory(
        title="Mercato", starts_at=start, ends_at=start + timedelta(hours=4), rrule="FREQ=WEEKLY"
    )
    EventFactory(title="Passato", starts_at=start, ends_at=start + timedelta(hours=4))

    titles = [e["title"] for e in client.get("/api/v1/events").json()["results"]]

    assert titles == ["Mercato"]


@pytest.mark.parametrize("count", [1, 3])
def test_the_public_event_list_runs_a_fixed_number_of_queries(
    client, db, django_assert_num_queries, count
):
    for _ in range(count):
        EventFactory()
    with django_assert_num_queries(2):  # count, page (with categories)
        response = client.get("/api/v1/events")
    assert len(response.json()["results"]) == count


def test_a_bad_token_on_a_public_route_is_refused_not_ignored(client, db):
    EventFactory()
    response = client.get("/api/v1/events", **bearer("pap_aaaaaaaa_nonvalido"))
    assert response.status_code == 401
    assert response.json()["title"] == "Token non valido"


# --- rate limits ----------------------------------------------------------------------------


def test_a_token_over_its_rate_limit_gets_429_with_retry_after(
    client, editor, make_token, settings
):
    settings.API_RATE_LIMIT = 3
    raw = make_token(editor, scopes=[Scope.READ])
    other = make_token(editor, scopes=[Scope.READ], name="altro")

    answers = [client.get("/api/v1/categories", **bearer(raw)).status_code for _ in range(4)]
    refused = client.get("/api/v1/categories", **bearer(raw))

    assert answers == [200, 200, 200, 429]
    assert 1 <= int(refused["Retry-After"]) <= settings.API_RATE_LIMIT_WINDOW_SECONDS
    assert refused.json()["status"] == 429
    assert client.get("/api/v1/categories", **bearer(other)).status_code == 200


def test_anonymous_requests_are_limited_per_address(client, db, settings):
    settings.API_ANONYMOUS_RATE_LIMIT = 2
    codes = [client.get("/api/v1/events").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_errors_are_negotiated_in_the_clients_language(client, db):
    # The messages are gettext strings: their English comes with the next locale/ update.
    response = client.get("/api/v1/posts", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["Content-Language"] == "en"


# --- conditional requests -------------------------------------------------------------------


def test_reads_answer_an_etag_and_304_while_nothing_changed(client, reader, editor):
    event = EventFactory(title="Sagra")

    first = client.get("/api/v1/events")
    again = client.get("/api/v1/events", HTTP_IF_NONE_MATCH=first["ETag"])
    event.title = "Sagra d'autunno"
    event.save(update_fields=["title"])
    changed = client.get("/api/v1/events", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first["ETag"]
    assert (again.status_code, again.content) == (304, b"")
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def test_token_reads_are_never_stored_by_a_cache(reader):
    response = reader("/categories")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["ETag"]


def test_only_a_read_token_of_a_planner_lifts_the_published_filter(
    client, editor, outsider, make_token
):
    EventFactory(title="Sagra")
    EventFactory(title="Bozza di evento", published=False)
    EventFactory(title="Rinviato", status="postponed")
    outsider_token = make_token(outsider, scopes=[Scope.READ])
    writer_token = make_token(editor, scopes=[Scope.WRITE_EVENTS], name="solo scrittura")

    def titles(raw=None, **params):
        headers = bearer(raw) if raw else {}
        params.setdefault("include_unpublished", "true")
        return sorted(
            e["title"] for e in client.get("/api/v1/events", params, **headers).json()["results"]
        )

    assert titles() == ["Rinviato", "Sagra"]
    assert titles(outsider_token) == ["Rinviato", "Sagra"]
    assert titles(writer_token) == ["Rinviato", "Sagra"]
    assert titles(status="postponed") == ["Rinviato"]


def test_type_errors_are_in_the_apps_words_not_pydantics(reader):
    # Translatable strings: English follows once the lead regenerates locale/.
    errors = reader("/posts", status="nonsense", start="ieri").json()["errors"]

    assert errors == {
        "status.0": ["Valore non ammesso."],
        "start": ["Serve data e ora ISO 8601 con fuso, es. 2030-03-02T10:00+01:00."],
    }
