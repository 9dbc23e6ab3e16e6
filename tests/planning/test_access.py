"""Who manages a post: one rule, asked by views, template tags and workflow services alike."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

from apps.planning.access import can_manage_post
from apps.review import services as review
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who, expected",
    [
        ("editor", True),  # the author
        ("other_editor", False),
        ("approver", True),
        ("admin_user", True),
        ("outsider", False),
    ],
)
def test_the_author_and_reviewers_manage_a_post(request, editor, who, expected):
    post = PostFactory(author=editor)
    assert can_manage_post(request.getfixturevalue(who), post) is expected


def test_an_author_who_left_the_office_no_longer_manages_their_posts(editor):
    post = PostFactory(author=editor)
    editor.groups.clear()
    assert can_manage_post(editor, post) is False
    with pytest.raises(review.ReviewError):
        review.submit_post(post, by=editor)


def test_nobody_anonymous_manages_a_post(editor):
    assert can_manage_post(AnonymousUser(), PostFactory(author=editor)) is False


@pytest.mark.parametrize("who, expected", [("editor", "True"), ("other_editor", "False")])
def test_the_delivery_table_asks_the_same_rule(request, editor, who, expected):
    post = PostFactory(author=editor)
    http_request = RequestFactory().get("/")
    http_request.user = request.getfixturevalue(who)
    rendered = Template(
        "{% load publishing_tags %}{% post_deliveries post as pd %}{{ pd.can_retry }}"
    ).render(Context({"post": post, "request": http_request}))
    assert rendered == expected
