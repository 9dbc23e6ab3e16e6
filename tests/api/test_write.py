"""Writing through /api/v1/: the web pages' forms, services, state machine and audit."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.api.enums import Scope
from apps.audit.models import AuditEntry
from apps.events.models import Event
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from tests.api.conftest import bearer
from tests.factories import CategoryFactory, ChannelFactory, EventCategoryFactory, PostFactory

ROME = ZoneInfo("Europe/Rome")
NEXT_YEAR = timezone.localdate().year + 1


@pytest.fixture
def api(client):
    def call(method, path, raw, body=None):
        return client.generic(
            method,
            "/api/v1" + path,
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            **bearer(raw),
        )

    return call


@pytest.fixture
def channels(db):
    return [ChannelFactory(name="Mastodon"), ChannelFactory(name="Telegram")]


def _post_body(chosen, **changes):
    body = {
        "title": "Chiusura anagrafe",
        "category": CategoryFactory(slug="informativo-api").pk,
        "planned_at": f"{NEXT_YEAR}-03-02T10:00:00+01:00",
        "channels": [c.pk for c in chosen],
        "base_text": "Lunedì l'anagrafe resta chiusa per inventario.",
        "variant_texts": {str(chosen[1].pk): "Anagrafe chiusa lunedì."},
    }
    body.update(changes)
    return body


def test_a_draft_is_created_with_its_variants_and_audited_with_the_token_name(
    api, editor, make_token, channels
):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS], name="Intranet URP")

    response = api("POST", "/posts", raw, _post_body(channels))

    assert response.status_code == 201, response.json()
    post = Post.objects.get()
    assert (post.author, post.status) == (editor, PostStatus.DRAFT)
    assert timezone.localtime(post.planned_at) == datetime(NEXT_YEAR, 3, 2, 10, 0, tzinfo=ROME)
    assert {v.channel.name: v.text for v in post.variants.all()} == {
        "Mastodon": "Lunedì l'anagrafe resta chiusa per inventario.",
        "Telegram": "Anagrafe chiusa lunedì.",
    }
    entry = AuditEntry.objects.get(action="post.created")
    assert entry.actor == editor
    assert entry.via.startswith("API: Intranet URP (token ")
    assert response.json()["id"] == post.pk


def test_the_editor_checks_of_the_web_form_apply_with_field_messages(
    api, editor, make_token, channels
):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])

    past = api("POST", "/posts", raw, _post_body(channels, planned_at="2020-01-01T10:00:00Z"))
    no_text = api("POST", "/posts", raw, _post_body(channels, base_text="", variant_texts={}))
    bad_link = api("POST", "/posts", raw, _post_body(channels, link="javascript:alert(1)"))
    unknown_channel = api(
        "POST", "/posts", raw, _post_body(channels, channels=[999999], variant_texts={})
    )

    assert past.status_code == 400
    assert past.json()["errors"] == {
        "planned_at": ["Data e ora sono nel passato: scegli un futuro."]
    }
    assert set(no_text.json()["errors"]) == {
        f"variant_texts.{channels[0].pk}",
        f"variant_texts.{channels[1].pk}",
    }
    assert list(bad_link.json()["errors"]) == ["link"]
    assert list(unknown_channel.json()["errors"]) == ["channels"]
    assert Post.objects.count() == 0


def test_an_editor_cannot_mark_a_post_indispensable_through_the_api(
    api, editor, make_token, channels
):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])

    response = api(
        "POST",
        "/posts",
        raw,
        _post_body(channels, is_indispensable=True, indispensable_reason="Servizio essenziale"),
    )

    # As in the browser: the flag is an approver's decision, the field is ignored.
    assert response.status_code == 201
    assert Post.objects.get().is_indispensable is False


def test_update_keeps_what_is_not_sent_and_checks_the_version(api, editor, make_token, channels):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])
    post = PostFactory(author=editor, channels=channels)

    updated = api("PATCH", f"/posts/{post.pk}", raw, {"version": 1, "title": "Nuovo titolo"})
    stale = api("PATCH", f"/posts/{post.pk}", raw, {"version": 1, "title": "Ancora"})

    assert updated.status_code == 200, updated.json()
    post.refresh_from_db()
    assert (post.title, post.version, post.base_text) == (
        "Nuovo titolo",
        2,
        "Lunedì 3 marzo l'ufficio anagrafe resta chiuso.",
    )
    assert stale.status_code == 409
    assert AuditEntry.objects.get(action="post.updated").via.startswith("API: ")


def test_another_editor_cannot_edit_or_submit_someone_elses_post(
    api, other_editor, editor, make_token, channels
):
    raw = make_token(other_editor, scopes=[Scope.WRITE_POSTS])
    post = PostFactory(author=editor, channels=channels)

    assert api("PATCH", f"/posts/{post.pk}", raw, {"version": 1, "title": "X"}).status_code == 403
    assert api("POST", f"/posts/{post.pk}/submit", raw).status_code == 403
    assert Post.objects.values_list("version", "status").get() == (1, PostStatus.DRAFT)


def test_submit_goes_through_the_state_machine(api, editor, make_token, channels):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])
    post = PostFactory(author=editor, channels=channels)

    first = api("POST", f"/posts/{post.pk}/submit", raw)
    second = api("POST", f"/posts/{post.pk}/submit", raw)

    assert first.status_code == 200 and first.json()["status"] == "in_review"
    assert second.status_code == 409
    assert AuditEntry.objects.get(action="post.submitted").via.startswith("API: ")


def test_an_edit_of_a_post_in_review_is_refused_as_in_the_browser(
    api, editor, make_token, channels
):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])
    post = PostFactory(author=editor, channels=channels, status=PostStatus.IN_REVIEW)

    response = api("PATCH", f"/posts/{post.pk}", raw, {"version": 1, "title": "X"})

    assert response.status_code == 400
    assert "ritiralo dalla revisione" in response.json()["detail"]


def test_scopes_limit_what_a_token_does(api, editor, make_token, channels):
    read_only = make_token(editor, scopes=[Scope.READ])
    events_only = make_token(editor, scopes=[Scope.WRITE_EVENTS], name="eventi")

    assert api("POST", "/posts", read_only, _post_body(channels)).status_code == 403
    assert api("POST", "/posts", events_only, _post_body(channels)).status_code == 403
    assert api("GET", "/posts", events_only).status_code == 403
    assert Post.objects.count() == 0


def test_a_person_without_a_role_can_do_nothing_whatever_the_scopes(
    api, outsider, make_token, channels
):
    raw = make_token(outsider)
    assert api("GET", "/posts", raw).status_code == 403
    assert api("POST", "/posts", raw, _post_body(channels)).status_code == 403


# --- events ---------------------------------------------------------------------------------


def _event_body(**changes):
    body = {
        "title": "Concerto in piazza",
        "category": EventCategoryFactory(slug="musica").pk,
        "starts_at": f"{NEXT_YEAR}-07-10T21:00:00+02:00",
        "ends_at": f"{NEXT_YEAR}-07-10T23:00:00+02:00",
        "location_name": "Piazza Grande",
        "published": True,
    }
    body.update(changes)
    return body


def test_an_event_is_created_and_updated_through_the_event_service(api, editor, make_token):
    raw = make_token(editor, scopes=[Scope.WRITE_EVENTS], name="Sito")

    created = api("POST", "/events", raw, _event_body())
    event = Event.objects.get()
    moved = api(
        "PATCH",
        f"/events/{event.pk}",
        raw,
        {
            "starts_at": f"{NEXT_YEAR}-07-11T21:00:00+02:00",
            "ends_at": f"{NEXT_YEAR}-07-11T23:30:00+02:00",
        },
    )

    assert created.status_code == 201, created.json()
    assert moved.status_code == 200, moved.json()
    event.refresh_from_db()
    assert timezone.localtime(event.starts_at) == datetime(NEXT_YEAR, 7, 11, 21, tzinfo=ROME)
    assert (event.title, event.location_name, event.sequence) == (
        "Concerto in piazza",
        "Piazza Grande",
        1,
    )
    actions = list(
        AuditEntry.objects.filter(action__startswith="events.")
        .order_by("id")
        .values_list("action", "via")
    )
    assert [a for a, _v in actions] == ["events.create", "events.update"]
    assert all(v.startswith("API: Sito (token ") for _a, v in actions)


def test_an_all_day_event_takes_days(api, editor, make_token):
    raw = make_token(editor, scopes=[Scope.WRITE_EVENTS])

    response = api(
        "POST",
        "/events",
        raw,
        _event_body(
            all_day=True,
            starts_at=None,
            ends_at=None,
            start_date=f"{NEXT_YEAR}-08-14",
            end_date=f"{NEXT_YEAR}-08-15",
        ),
    )

    assert response.status_code == 201, response.json()
    event = Event.objects.get()
    assert (event.first_day.isoformat(), event.last_day.isoformat()) == (
        f"{NEXT_YEAR}-08-14",
        f"{NEXT_YEAR}-08-15",
    )


def test_event_errors_are_the_forms_messages(api, editor, make_token):
    raw = make_token(editor, scopes=[Scope.WRITE_EVENTS])

    backwards = api(
        "POST",
        "/events",
        raw,
        _event_body(ends_at=f"{NEXT_YEAR}-07-10T20:00:00+02:00"),
    )
    no_start = api("POST", "/events", raw, _event_body(starts_at=None))

    assert backwards.json()["errors"] == {"ends_at": ["La fine deve venire dopo l'inizio."]}
    assert "start_date" in no_start.json()["errors"]
    assert Event.objects.count() == 0


def test_malformed_json_and_wrong_types_are_400(client, editor, make_token):
    raw = make_token(editor)
    for body in ("{", "[]", '{"title": 5}', '"x"', "null"):
        response = client.post(
            "/api/v1/posts", data=body, content_type="application/json", **bearer(raw)
        )
        assert response.status_code == 400, (body, response.content)
        assert response["Content-Type"] == "application/problem+json"


def test_an_edit_that_does_not_move_the_post_keeps_its_exact_time(
    api, editor, make_token, channels
):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])
    at = timezone.now() + timedelta(days=3, microseconds=123)
    post = PostFactory(author=editor, channels=channels, planned_at=at)

    response = api("PATCH", f"/posts/{post.pk}", raw, {"version": 1, "notes": "Nota"})

    assert response.status_code == 200, response.json()
    post.refresh_from_db()
    assert (post.planned_at, post.notes) == (at, "Nota")


def test_a_text_for_a_channel_the_post_does_not_have_is_a_field_error(
    api, editor, make_token, channels
):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])
    post = PostFactory(author=editor, channels=channels[:1])

    response = api(
        "PATCH",
        f"/posts/{post.pk}",
        raw,
        {"version": 1, "variant_texts": {str(channels[1].pk): "Testo"}},
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        f"variant_texts.{channels[1].pk}": ["Questo canale non è tra i canali del post."]
    }
    assert Post.objects.get().version == 1


def test_a_variant_over_its_channels_limit_is_refused_on_that_variant(
    api, editor, make_token, channels
):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])
    channels[1].char_limit = 20
    channels[1].save(update_fields=["char_limit"])

    response = api(
        "POST",
        "/posts",
        raw,
        _post_body(channels, variant_texts={str(channels[1].pk): "x" * 25}),
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        f"variant_texts.{channels[1].pk}": ["Testo troppo lungo: 25 caratteri su 20 (5 in più)."]
    }


def test_token_writes_need_no_csrf_cookie_and_sessions_cannot_write(editor, make_token, channels):
    from django.test import Client

    browser_like = Client(enforce_csrf_checks=True)
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])
    with_token = browser_like.post(
        "/api/v1/posts",
        data=json.dumps(_post_body(channels)),
        content_type="application/json",
        **bearer(raw),
    )
    browser_like.force_login(editor)
    with_session_only = browser_like.post(
        "/api/v1/posts", data=json.dumps(_post_body(channels)), content_type="application/json"
    )

    assert with_token.status_code == 201
    # A logged-in browser is not a token: a page elsewhere cannot make it write (no CSRF risk).
    assert with_session_only.status_code == 401
    assert Post.objects.count() == 1


def test_the_audit_csv_says_which_token_a_write_came_through(
    api, client, editor, approver, make_token, channels
):
    import csv
    import io

    from django.urls import reverse

    raw = make_token(editor, scopes=[Scope.WRITE_POSTS], name="Intranet URP")
    api("POST", "/posts", raw, _post_body(channels))
    client.force_login(approver)

    response = client.get(reverse("audit:export"), {"azione": "post.created"})
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )

    assert rows[0][-1] == "tramite"
    assert rows[1][2] == "post.created"
    assert rows[1][-1].startswith("API: Intranet URP (token ")


def test_a_website_post_needs_its_public_title_and_keeps_it(api, editor, make_token):
    website = ChannelFactory(name="Sito", kind="website")
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])

    refused = api("POST", "/posts", raw, _post_body([website, website], variant_texts={}))
    created = api(
        "POST",
        "/posts",
        raw,
        _post_body(
            [website, website],
            variant_texts={},
            public_titles={website.pk: "Anagrafe"},
            news={
                website.pk: {
                    "summary": "Lunedì l'anagrafe è chiusa.",
                    "topics": ["Anagrafe", "Servizi"],
                    "type": "avviso",
                    "office": "Servizi demografici",
                }
            },
        ),
    )

    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert f"public_titles.{website.pk}" in errors
    assert {f"news.{website.pk}.{name}" for name in ("summary", "topics", "type", "office")} <= set(
        errors
    )
    assert created.status_code == 201, created.json()
    post = Post.objects.get(pk=created.json()["id"])
    assert [v.public_title for v in post.variants.all()] == ["Anagrafe"]
    variant = post.variants.get()
    assert variant.news_topics == ["Anagrafe", "Servizi"]
    assert (variant.news_type, variant.news_office) == ("avviso", "Servizi demografici")
    assert post.title == "Chiusura anagrafe"  # the internal title stays internal


def test_a_public_title_for_a_channel_the_post_does_not_have_is_a_field_error(
    api, editor, make_token, channels
):
    raw = make_token(editor, scopes=[Scope.WRITE_POSTS])
    response = api("POST", "/posts", raw, _post_body(channels, public_titles={"999": "Titolo"}))
    assert response.status_code == 400
    assert "public_titles.999" in response.json()["errors"]
