"""The staff home page: what is due, what waits for me, failures, empty slots, crisis state."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.crisis.models import Crisis
from apps.planning.enums import PostStatus
from apps.planning.models import Variant
from apps.publishing.enums import DeliveryState
from apps.publishing.models import Delivery
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


def _home(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def test_upcoming_lists_today_and_the_next_seven_days_only(editor_client, editor):
    now = timezone.now()
    soon = PostFactory(title="Chiusura anagrafe", planned_at=now + timedelta(days=2))
    later = PostFactory(title="Fiera d'autunno", planned_at=now + timedelta(days=12))
    context = _home(editor_client).context
    assert soon in context["upcoming_posts"]
    assert later not in context["upcoming_posts"]


def test_an_editor_sees_own_posts_sent_back_for_changes(editor_client, editor, other_editor):
    mine = PostFactory(author=editor, status=PostStatus.CHANGES_REQUESTED)
    PostFactory(author=other_editor, status=PostStatus.CHANGES_REQUESTED)
    PostFactory(author=other_editor, status=PostStatus.IN_REVIEW)
    assert _home(editor_client).context["my_actions"] == [mine]


def test_an_approver_sees_colleagues_posts_waiting_for_review_not_own(
    approver_client, approver, editor
):
    waiting = PostFactory(author=editor, status=PostStatus.IN_REVIEW)
    PostFactory(author=approver, status=PostStatus.IN_REVIEW)
    response = _home(approver_client)
    assert response.context["my_actions"] == [waiting]
    assert reverse("review:queue") in response.content.decode()


def test_failed_and_to_check_deliveries_are_listed_with_a_link_to_handle_them(editor_client):
    channel = ChannelFactory(name="Telegram Comune")
    post = PostFactory(title="Allerta meteo", channels=[channel], status=PostStatus.FAILED)
    Delivery.objects.create(
        variant=Variant.objects.get(post=post),
        state=DeliveryState.FAILED,
        due_at=timezone.now(),
        attempts=5,
        last_error="401",
    )
    response = _home(editor_client)
    assert response.context["failure_count"] == 1
    assert [d.variant.post for d in response.context["failures"]] == [post]
    body = response.content.decode()
    assert "Allerta meteo" in body and reverse("publishing:overview") in body


def test_the_crisis_state_is_shown_with_a_link_for_those_who_can_handle_it(
    approver_client, approver
):
    Crisis.objects.create(
        reason="Esondazione del torrente", declared_by=approver, declared_at=timezone.now()
    )
    body = _home(approver_client).content.decode()
    assert "Crisi in corso:" in body and "Esondazione del torrente" in body
    assert reverse("crisis:dashboard") in body


def test_without_a_crisis_the_home_says_so(editor_client):
    body = _home(editor_client).content.decode()
    assert "Nessuna crisi in corso" in body
    assert (
        reverse("crisis:dashboard") not in body.split('id="home-crisis"')[1].split("</section>")[0]
    )


def test_home_query_count_does_not_grow_with_posts(editor_client, django_assert_max_num_queries):
    for n in range(3):
        PostFactory(title=f"Post {n}", planned_at=timezone.now() + timedelta(days=1))
    _home(editor_client)  # warm the session and caches
    with django_assert_max_num_queries(20) as one_run:
        _home(editor_client)
    baseline = len(one_run.captured_queries)
    for n in range(3, 9):
        PostFactory(title=f"Post {n}", planned_at=timezone.now() + timedelta(days=1))
    with django_assert_max_num_queries(baseline):
        _home(editor_client)
