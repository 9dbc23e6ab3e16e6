"""Campaigns and tags: a post has one category, at most one campaign, many tags; the calendar
filters by campaign and tag; a campaign page lists its posts and their states."""

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus
from apps.planning.models import Campaign, PostTag
from apps.planning.services import PostEditError, create_post, duplicate_post, tags_named
from apps.review.editing import update_post
from tests.factories import CategoryFactory, ChannelFactory, PostFactory
from tests.review.factories import post_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def tari():
    return Campaign.objects.create(
        name="TARI 2027", starts_on=date(2030, 3, 1), ends_on=date(2030, 4, 30), goal="Pagare"
    )


def test_a_new_post_carries_its_campaign_and_tags_created_by_name(editor, tari):
    post = create_post(
        author=editor,
        title="Scadenza TARI",
        category=CategoryFactory(),
        planned_at=timezone.now() + timedelta(days=2),
        channels=[ChannelFactory(name="Facebook")],
        base_text="Paga la TARI entro il 31 marzo.",
        campaign=tari,
        tags=["scadenze", " Tributi ", "scadenze"],
    )

    assert post.campaign == tari
    assert sorted(t.name for t in post.tags.all()) == ["Tributi", "scadenze"]
    assert AuditEntry.objects.filter(action="tag.created").count() == 2


def test_tags_are_found_again_whatever_the_case(editor):
    first = tags_named(["Scuola"], by=editor)

    assert tags_named(["scuola", "SCUOLA"], by=editor) == first
    assert PostTag.objects.count() == 1


def test_too_many_or_too_long_tags_are_refused(editor):
    with pytest.raises(PostEditError):
        tags_named([f"t{n}" for n in range(21)], by=editor)
    with pytest.raises(PostEditError):
        tags_named(["x" * 41], by=editor)


def test_filing_an_approved_post_in_a_campaign_keeps_its_approval(editor, tari):
    post = post_in(PostStatus.APPROVED, author=editor)
    post.approved_version = post.version
    post.save(update_fields=["approved_version"])

    update_post(post, by=editor, expected_version=post.version, campaign=tari, tags=["tari"])

    post.refresh_from_db()
    assert post.status == PostStatus.APPROVED
    assert post.campaign == tari
    assert [t.name for t in post.tags.all()] == ["tari"]
    assert post.approved_version == post.version


def test_a_copy_keeps_campaign_and_tags(editor, tari):
    post = post_in(author=editor, campaign=tari)
    post.tags.set(tags_named(["tari"], by=editor))

    copy = duplicate_post(post, by=editor, planned_at=timezone.now() + timedelta(days=9))

    assert copy.campaign == tari
    assert [t.name for t in copy.tags.all()] == ["tari"]


def test_the_post_form_saves_campaign_and_tags(editor_client, tari):
    channel = ChannelFactory(name="Facebook")
    when = timezone.localtime(timezone.now() + timedelta(days=3))
    response = editor_client.post(
        reverse("planning:post_create"),
        {
            "title": "Rata TARI",
            "category": CategoryFactory(slug="informativo").pk,
            "planned_date": when.strftime("%Y-%m-%d"),
            "planned_time": "10:00",
            "channels": [channel.pk],
            "base_text": "Seconda rata TARI.",
            "campaign": tari.pk,
            "tags": "tributi, scadenze",
            "nuove-TOTAL_FORMS": 0,
            "nuove-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    post = tari.posts.get()
    assert sorted(t.name for t in post.tags.all()) == ["scadenze", "tributi"]


def test_the_post_form_refuses_a_tag_too_long_and_keeps_what_was_typed(editor_client):
    response = editor_client.post(
        reverse("planning:post_create"), {"title": "X", "tags": "ok, " + "y" * 60}
    )

    assert response.status_code == 200
    assert "Etichetta troppo lunga" in response.content.decode()
    assert "y" * 60 in response.content.decode()


def _calendar_titles(client, **params) -> list[str]:
    query = {"vista": "elenco", "data": "2030-03-01", **params}
    response = client.get(reverse("planning:calendar"), query)
    return [p.title for p in response.context["posts"]]


def test_the_calendar_filters_by_campaign_and_by_tag(editor_client, editor, tari):
    at = timezone.make_aware(datetime(2030, 3, 10, 10, 0))
    in_campaign = PostFactory(title="In campagna", planned_at=at, campaign=tari)
    tagged = PostFactory(title="Con etichetta", planned_at=at)
    tagged.tags.set(tags_named(["scuola"], by=editor))
    PostFactory(title="Altro", planned_at=at)

    assert _calendar_titles(editor_client, campagna=tari.pk) == [in_campaign.title]
    tag = PostTag.objects.get(name="scuola")
    assert _calendar_titles(editor_client, etichetta=tag.pk) == [tagged.title]
    assert len(_calendar_titles(editor_client)) == 3
    # A tag that does not exist is ignored, never an error page.
    assert len(_calendar_titles(editor_client, etichetta="999999")) == 3


def test_the_campaign_page_lists_its_posts_and_their_states(editor_client, editor, tari):
    draft = post_in(author=editor, campaign=tari, title="Bozza TARI")
    approved = post_in(PostStatus.APPROVED, author=editor, campaign=tari, title="Approvato TARI")
    post_in(author=editor, title="Fuori campagna")

    response = editor_client.get(reverse("planning:campaign_detail", args=[tari.pk]))

    assert [p.pk for p in response.context["posts"]] == sorted(
        [draft.pk, approved.pk], key=lambda pk: (tari.posts.get(pk=pk).planned_at, pk)
    )
    assert [(str(label), n) for label, n in response.context["status_counts"]] == [
        ("Bozza", 1),
        ("Approvato", 1),
    ]
    assert "Fuori campagna" not in response.content.decode()


def test_the_campaign_page_query_count_does_not_grow_with_its_posts(editor_client, editor, tari):
    def queries() -> int:
        url = reverse("planning:campaign_detail", args=[tari.pk])
        editor_client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            editor_client.get(url)
        return len(ctx.captured_queries)

    post_in(author=editor, campaign=tari)
    one = queries()
    for _n in range(3):
        post = post_in(author=editor, campaign=tari, channels=[ChannelFactory(name="X")])
        post.tags.set(tags_named(["a", "b"], by=editor))
    assert queries() == one


def test_a_campaign_is_created_and_a_period_backwards_is_refused(editor_client):
    url = reverse("planning:campaign_create")
    bad = editor_client.post(
        url, {"name": "Sagra d'autunno", "starts_on": "2030-10-10", "ends_on": "2030-10-01"}
    )
    assert bad.status_code == 200
    assert "La fine viene prima dell" in bad.content.decode()
    assert not Campaign.objects.exists()

    good = editor_client.post(
        url, {"name": "Sagra d'autunno", "starts_on": "2030-10-01", "ends_on": "2030-10-10"}
    )
    campaign = Campaign.objects.get()
    assert good.status_code == 302
    assert good["Location"] == campaign.get_absolute_url()
    assert AuditEntry.objects.filter(action="campaign.created").count() == 1
