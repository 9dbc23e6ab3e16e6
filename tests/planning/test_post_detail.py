"""The post page: its summary follows the review actions done in place (htmx)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.planning.models import Post
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_the_status_summary_refreshes_on_the_review_include_event(editor_client, editor):
    post = PostFactory(author=editor, channels=[ChannelFactory(name="Facebook")])
    url = reverse("planning:post_detail", args=[post.pk])
    body = editor_client.get(url).content.decode()
    assert f'<div id="post-summary" hx-get="{url}" hx-trigger="postChanged from:body"' in body
    assert "<script>" not in body

    Post.objects.filter(pk=post.pk).update(status=PostStatus.IN_REVIEW)
    fragment = editor_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<div id="post-summary"')
    assert "In revisione" in fragment and "<html" not in fragment
    assert fragment.count("<h1") == 1


def test_a_review_action_in_place_triggers_the_event_the_summary_listens_to(editor_client, editor):
    post = PostFactory(author=editor, channels=[ChannelFactory(name="Facebook")])
    response = editor_client.post(
        reverse("review:submit", args=[post.pk]), headers={"HX-Request": "true"}
    )
    assert response["HX-Trigger"] == "postChanged"


def test_the_copy_form_has_required_labelled_fields_and_the_post_time(editor_client, editor):
    post = PostFactory(author=editor, channels=[ChannelFactory(name="Facebook")])
    local = timezone.localtime(post.planned_at)

    body = editor_client.get(reverse("planning:post_detail", args=[post.pk])).content.decode()

    required = (
        ' <span aria-hidden="true">*</span><span class="visually-hidden">(obbligatorio)</span>'
    )
    assert f'<label class="form-label" for="dup-data">Nuova data{required}</label>' in body
    assert f'<label class="form-label" for="dup-ora">Nuova ora{required}</label>' in body
    assert f'value="{local:%H:%M}"' in body and 'id="dup-ora"' in body
    assert body.count('class="form-control" required id="dup-') == 2
