"""``POST /api/v1/posts/{id}/corrections``: a correction of a published post through the API,
with the page's checks, rules and audit (``review.corrections``)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Correction, Delivery
from tests.api.conftest import bearer
from tests.factories import ChannelFactory, PostFactory
from tests.planning.news import NEWS_COLUMNS

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(editor):
    site = ChannelFactory(
        name="Sito comunale",
        kind=ChannelKind.WORDPRESS,
        config={"base_url": "https://www.comune.esempio.it", "username": "redazione"},
    )
    post = PostFactory(
        title="[interno] ponte",
        author=editor,
        channels=[site],
        base_text="Lunedì riapre il ponte.",
        planned_at=timezone.now() - timedelta(hours=1),
    )
    post.variants.update(public_title="Il ponte riapre lunedì", **NEWS_COLUMNS)
    Delivery.objects.create(
        variant=post.variants.get(), due_at=post.planned_at, state=D.SENT, external_id="9"
    )
    Post.objects.filter(pk=post.pk).update(status=PostStatus.PUBLISHED)
    post.refresh_from_db()
    return post, site


def _post(client, raw, post, body):
    return client.post(
        f"/api/v1/posts/{post.pk}/corrections",
        data=json.dumps(body),
        content_type="application/json",
        **bearer(raw),
    )


def test_a_correction_is_proposed_keeping_what_the_body_leaves_out(
    client, editor, make_token, published
):
    post, site = published
    raw = make_token(editor, name="Gestionale URP")

    response = _post(
        client,
        raw,
        post,
        {"version": 1, "variants": {str(site.pk): {"public_title": "Il ponte riapre martedì"}}},
    )

    assert response.status_code == 201, response.content
    correction = Correction.objects.get()
    assert response.json() == {
        "id": correction.pk,
        "post_id": post.pk,
        "status": "pending",
        "url": correction.get_absolute_url(),
    }
    corrected = correction.after["variants"][str(site.pk)]
    assert corrected["public_title"] == "Il ponte riapre martedì"
    assert corrected["news_summary"] == NEWS_COLUMNS["news_summary"]  # kept
    assert correction.after["title"] == "[interno] ponte"
    entry = AuditEntry.objects.get(action="correction.proposed")
    assert entry.via.startswith("API: Gestionale URP")
    assert post.variants.get().public_title == "Il ponte riapre lunedì"  # nothing changed yet


def test_the_checks_of_the_page_answer_per_field(client, editor, make_token, published):
    post, site = published

    response = _post(
        client,
        make_token(editor),
        post,
        {"version": 1, "variants": {str(site.pk): {"news_summary": ""}}},
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [f"variants.{site.pk}.news_summary"]
    assert Correction.objects.count() == 0


def test_a_post_in_the_bin_or_a_stale_version_is_a_conflict(client, editor, make_token, published):
    post, _site = published
    raw = make_token(editor)

    stale = _post(client, raw, post, {"version": 7, "title": "Altro"})
    Delivery.objects.update(deleted_at=timezone.now())
    binned = _post(client, raw, post, {"version": 1, "title": "Altro"})

    assert stale.status_code == 409
    assert binned.status_code == 409 and "cestino" in binned.json()["detail"]
    assert Correction.objects.count() == 0
