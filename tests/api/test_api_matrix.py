"""Every API route × every role, through a token with every scope: the answer each gets.

The routes come from the OpenAPI document the app serves, so a route added without a row
here fails ``test_every_route_has_a_row``. ``anonymous`` sends no token; the others send a
token of their own with all scopes (scopes only ever narrow what the role allows).
"""

import io
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from apps.api import tokens
from apps.api.v1 import api
from apps.planning.enums import PostStatus
from tests.api.conftest import ALL_SCOPES
from tests.factories import CategoryFactory, ChannelFactory, EventFactory, PostFactory
from tests.permissions import ROLES, make_cast

NEXT_YEAR = timezone.localdate().year + 1


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as in the OpenAPI document
    make: object = None  # cast -> {path parameter: value}
    body: object = None  # (cast, params) -> JSON body (or form fields and files: multipart)
    multipart: bool = False
    expected: dict = field(default_factory=dict)

    def answer(self, role: str) -> int:
        return self.expected[role]


def staff(ok: int = 200, **overrides) -> dict:
    answers = {
        "anonymous": 401,
        "outsider": 403,
        "editor": ok,
        "other_editor": ok,
        "approver": ok,
        "admin": ok,
    }
    answers.update(overrides)
    return answers


def everyone(ok: int = 200) -> dict:
    return dict.fromkeys(ROLES, ok)


def _post(cast):
    post = PostFactory(author=cast["editor"], channels=[ChannelFactory(name="Mastodon")])
    return {"post_id": post.pk}


def _post_in_review(cast):
    post = PostFactory(
        author=cast["editor"],
        channels=[ChannelFactory(name="Mastodon")],
        status=PostStatus.IN_REVIEW,
    )
    return {"post_id": post.pk}


def _published_post(cast):
    from apps.publishing.enums import DeliveryState
    from apps.publishing.models import Delivery

    post = PostFactory(
        author=cast["editor"],
        channels=[ChannelFactory(name="Mastodon")],
        status=PostStatus.PUBLISHED,
    )
    Delivery.objects.create(
        variant=post.variants.get(),
        due_at=post.planned_at,
        state=DeliveryState.SENT,
        external_id="1",
    )
    return {"post_id": post.pk}


def _image(cast, params):
    output = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(output, format="JPEG")
    photo = SimpleUploadedFile("foto.jpg", output.getvalue(), content_type="image/jpeg")
    return {"file": photo, "alt_text": "Il municipio visto dalla piazza"}


def _event(cast):
    return {"event_id": EventFactory().pk}


def _new_post(cast, params):
    return {
        "title": "Avviso",
        "category": CategoryFactory(slug="matrice").pk,
        "planned_at": f"{NEXT_YEAR}-03-02T10:00:00+01:00",
        "channels": [ChannelFactory(name="Telegram").pk],
        "base_text": "L'ufficio tributi riapre lunedì.",
    }


def _new_event(cast, params):
    from tests.factories import EventCategoryFactory

    return {
        "title": "Mercato",
        "category": EventCategoryFactory(slug="matrice").pk,
        "starts_at": f"{NEXT_YEAR}-05-02T08:00:00+02:00",
        "ends_at": f"{NEXT_YEAR}-05-02T13:00:00+02:00",
    }


ROUTES = [
    Route("GET", "/api/v1/posts", expected=staff()),
    Route("GET", "/api/v1/posts/{post_id}", make=_post, expected=staff()),
    Route("POST", "/api/v1/posts", body=_new_post, expected=staff(201)),
    Route(
        "PATCH",
        "/api/v1/posts/{post_id}",
        make=_post,
        body=lambda cast, params: {"version": 1, "title": "Titolo cambiato"},
        expected=staff(other_editor=403),
    ),
    Route("POST", "/api/v1/posts/{post_id}/submit", make=_post, expected=staff(other_editor=403)),
    # A correction of a published post: whoever may edit it proposes; an approver decides.
    Route(
        "POST",
        "/api/v1/posts/{post_id}/corrections",
        make=_published_post,
        body=lambda cast, params: {"version": 1, "title": "Titolo corretto"},
        expected=staff(201, other_editor=403),
    ),
    # Decisions: approvers and administrators, with the "review" scope.
    Route(
        "POST",
        "/api/v1/posts/{post_id}/approve",
        make=_post_in_review,
        body=lambda cast, params: {"version": 1},
        expected=staff(editor=403, other_editor=403),
    ),
    Route(
        "POST",
        "/api/v1/posts/{post_id}/request-changes",
        make=_post_in_review,
        body=lambda cast, params: {"comment": "Manca l'orario di apertura."},
        expected=staff(editor=403, other_editor=403),
    ),
    Route(
        "POST",
        "/api/v1/posts/{post_id}/images",
        make=_post,
        body=_image,
        multipart=True,
        expected=staff(201, other_editor=403),
    ),
    Route("GET", "/api/v1/categories", expected=staff()),
    Route("GET", "/api/v1/slots", expected=staff()),
    Route("GET", "/api/v1/slots/occurrences", expected=staff()),
    Route("GET", "/api/v1/crisis", expected=staff()),
    Route("GET", "/api/v1/blackouts", expected=staff()),
    Route("GET", "/api/v1/events", expected=everyone()),
    Route("GET", "/api/v1/events/{event_id}", make=_event, expected=everyone()),
    Route("POST", "/api/v1/events", body=_new_event, expected=staff(201)),
    Route(
        "PATCH",
        "/api/v1/events/{event_id}",
        make=_event,
        body=lambda cast, params: {"title": "Titolo cambiato"},
        expected=staff(),
    ),
]
# Named URLs of the API that are not operations: the schema, its interactive docs, and
# django-ninja's root (a 404 that only gives the API its prefix), with what anyone gets.
DOCUMENT_URLS = {"api:openapi-json": 200, "api:openapi-view": 200, "api:api-root": 404}


def _documented_routes() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}


def test_every_route_has_a_row():
    assert _documented_routes() == {(r.method, r.path) for r in ROUTES}


def test_every_url_of_the_api_is_documented_or_a_document():
    """No route hides from the OpenAPI document (and so from the matrix above)."""
    (api_resolver,) = [
        p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api"
    ]
    served, documents = set(), set()
    for pattern in api_resolver.url_patterns:
        assert isinstance(pattern, URLPattern)
        if f"api:{pattern.name}" in DOCUMENT_URLS:
            documents.add(f"api:{pattern.name}")
            continue
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        served.add("/api/v1/" + route)
    assert documents == set(DOCUMENT_URLS)
    assert served == {path for _method, path in _documented_routes()}


@pytest.fixture
def cast(db):
    return make_cast("api")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
@pytest.mark.parametrize("role", ROLES)
def test_api_permission_matrix(client, cast, route: Route, role: str):
    params = route.make(cast) if route.make else {}
    path = route.path.format(**params)
    headers = {}
    if cast[role] is not None:
        _token, raw = tokens.create_personal_token(user=cast[role], name="m", scopes=ALL_SCOPES)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    body = route.body(cast, params) if route.body else None
    if route.multipart:
        response = client.post(path, data=body, **headers)
        assert response.status_code == route.answer(role), (role, path, response.content[:300])
        return
    response = client.generic(
        route.method,
        path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )
    assert response.status_code == route.answer(role), (role, path, response.content[:300])


@pytest.mark.parametrize("name", sorted(DOCUMENT_URLS))
def test_the_schema_and_the_docs_are_public(client, db, name):
    assert client.get(reverse(name)).status_code == DOCUMENT_URLS[name]


def test_past_events_are_not_listed_but_still_readable_by_id(client, db):
    past = EventFactory(
        starts_at=timezone.now() - timedelta(days=3),
        ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=1),
    )
    assert client.get("/api/v1/events").json()["results"] == []
    assert client.get(f"/api/v1/events/{past.pk}").status_code == 200
