"""The publishing desk and the actions on a delivery, through the Django client."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.planning.enums import PostStatus
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import Delivery
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


def make_delivery(*, author, state, channel_name=None, title="Chiusura anagrafe", **fields):
    post = PostFactory(
        title=title,
        author=author,
        status=fields.pop("post_status", PostStatus.APPROVED),
        planned_at=timezone.now() + timedelta(hours=2),
        channels=[ChannelFactory(name=channel_name) if channel_name else ChannelFactory()],
    )
    return Delivery.objects.create(
        variant=post.variants.get(), due_at=post.planned_at, state=state, **fields
    )


def test_overview_lists_due_failing_and_to_check_deliveries(editor_client, editor):
    make_delivery(author=editor, state=D.WAITING, title="Orari estivi biblioteca")
    make_delivery(
        author=editor,
        state=D.FAILED,
        title="Raccolta ingombranti",
        last_error="HTTP 401: token scaduto",
        post_status=PostStatus.FAILED,
    )
    make_delivery(author=editor, state=D.NEEDS_CHECK, title="Allerta meteo gialla")

    response = editor_client.get(reverse("publishing:overview"))

    assert response.status_code == 200
    assert [d.variant.post.title for d in response.context["due_soon"]] == [
        "Orari estivi biblioteca"
    ]
    assert [d.variant.post.title for d in response.context["failing"]] == ["Raccolta ingombranti"]
    assert [d.variant.post.title for d in response.context["needing_check"]] == [
        "Allerta meteo gialla"
    ]
    assert "HTTP 401: token scaduto" in response.content.decode()


def test_overview_query_count_does_not_grow_with_rows(
    editor_client, editor, django_assert_max_num_queries
):
    make_delivery(author=editor, state=D.FAILED, last_error="x")
    with django_assert_max_num_queries(12) as one:
        editor_client.get(reverse("publishing:overview"))
    for _ in range(3):
        make_delivery(author=editor, state=D.FAILED, last_error="x")
        make_delivery(author=editor, state=D.NEEDS_CHECK)
    with django_assert_max_num_queries(len(one.captured_queries)):
        editor_client.get(reverse("publishing:overview"))


def test_the_author_retries_a_failed_delivery(editor_client, editor):
    delivery = make_delivery(author=editor, state=D.FAILED, post_status=PostStatus.FAILED)

    response = editor_client.post(reverse("publishing:retry", args=[delivery.pk]))

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == D.WAITING
    delivery.variant.post.refresh_from_db()
    assert delivery.variant.post.status == PostStatus.APPROVED


def test_retry_goes_back_to_a_local_next_url_only(approver_client, editor):
    delivery = make_delivery(author=editor, state=D.FAILED, post_status=PostStatus.FAILED)

    response = approver_client.post(
        reverse("publishing:retry", args=[delivery.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("publishing:overview")


def test_retrying_a_sent_delivery_shows_an_error_and_changes_nothing(approver_client, editor):
    delivery = make_delivery(author=editor, state=D.SENT)

    response = approver_client.post(reverse("publishing:retry", args=[delivery.pk]), follow=True)

    delivery.refresh_from_db()
    assert delivery.state == D.SENT
    assert "Questo invio non si può ripetere ora." in response.content.decode()


def test_an_approver_records_that_a_checked_delivery_went_out(approver_client, approver, editor):
    delivery = make_delivery(author=editor, state=D.NEEDS_CHECK)

    approver_client.post(
        reverse("publishing:resolve", args=[delivery.pk]),
        {"outcome": "sent", "url": "https://www.facebook.com/comune/posts/1"},
    )

    delivery.refresh_from_db()
    assert (delivery.state, delivery.external_url) == (
        D.SENT,
        "https://www.facebook.com/comune/posts/1",
    )
    delivery.variant.post.refresh_from_db()
    assert delivery.variant.post.status == PostStatus.PUBLISHED
    assert AuditEntry.objects.filter(action="delivery.checked_sent", actor=approver).count() == 1


def test_resolve_with_a_bad_outcome_changes_nothing(approver_client, editor):
    delivery = make_delivery(author=editor, state=D.NEEDS_CHECK)

    approver_client.post(reverse("publishing:resolve", args=[delivery.pk]), {"outcome": "boh"})

    delivery.refresh_from_db()
    assert delivery.state == D.NEEDS_CHECK


def test_post_page_include_shows_each_channel_state_and_the_actions(approver, editor):
    delivery = make_delivery(
        author=editor, state=D.NEEDS_CHECK, channel_name="Telegram Comune", last_error="timeout"
    )
    request = RequestFactory().get("/calendario/1/")
    request.user = approver

    html = Template('{% include "publishing/includes/post_deliveries.html" %}').render(
        Context({"post": delivery.variant.post, "request": request})
    )

    assert "Telegram Comune" in html
    assert "Da verificare" in html
    assert "timeout" in html
    assert reverse("publishing:resolve", args=[delivery.pk]) in html
    assert reverse("publishing:retry", args=[delivery.pk]) in html


def test_post_page_include_offers_no_verdict_to_an_editor(editor):
    delivery = make_delivery(author=editor, state=D.NEEDS_CHECK)
    request = RequestFactory().get("/calendario/1/")
    request.user = editor

    html = Template('{% include "publishing/includes/post_deliveries.html" %}').render(
        Context({"post": delivery.variant.post, "request": request})
    )

    assert reverse("publishing:resolve", args=[delivery.pk]) not in html
    assert reverse("publishing:retry", args=[delivery.pk]) in html


def test_home_problems_include_lists_failed_and_to_check_sends(editor):
    make_delivery(author=editor, state=D.FAILED, title="Bando mense", post_status=PostStatus.FAILED)
    make_delivery(author=editor, state=D.NEEDS_CHECK, title="Allerta neve")
    make_delivery(author=editor, state=D.SENT, title="Orari uffici")

    html = Template('{% include "publishing/includes/home_problems.html" %}').render(Context({}))

    assert "2 invii non sono andati a buon fine" in html
    assert "Bando mense" in html and "Allerta neve" in html
    assert "Orari uffici" not in html


def test_home_problems_include_is_empty_when_all_is_well(editor):
    make_delivery(author=editor, state=D.SENT)

    html = Template('{% include "publishing/includes/home_problems.html" %}').render(Context({}))

    assert html.strip() == ""


def test_every_table_on_the_desk_has_a_caption_and_row_headers(editor_client, editor):
    make_delivery(author=editor, state=D.WAITING)
    make_delivery(author=editor, state=D.FAILED, post_status=PostStatus.FAILED, last_error="x")
    make_delivery(author=editor, state=D.NEEDS_CHECK)

    html = editor_client.get(reverse("publishing:overview")).content.decode()

    assert html.count("<table") == html.count("<caption") == 3
    assert 'scope="row"' in html


def test_user_written_titles_and_service_errors_are_escaped(editor_client, editor):
    make_delivery(
        author=editor,
        state=D.FAILED,
        post_status=PostStatus.FAILED,
        title="<script>alert(1)</script>",
        last_error="<img src=x onerror=alert(2)>",
    )

    html = editor_client.get(reverse("publishing:overview")).content.decode()

    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


@pytest.mark.parametrize("name", ["publishing:retry", "publishing:resolve"])
def test_an_id_beyond_the_database_range_is_a_404_not_a_500(approver_client, name):
    url = reverse(name, args=[1]).replace("/1/", "/99999999999999999999999/")

    assert approver_client.post(url, {"outcome": "sent"}).status_code == 404


def test_a_get_on_an_action_is_refused_without_changing_anything(approver_client, editor):
    delivery = make_delivery(author=editor, state=D.FAILED, post_status=PostStatus.FAILED)

    response = approver_client.get(reverse("publishing:retry", args=[delivery.pk]))

    delivery.refresh_from_db()
    assert (response.status_code, delivery.state) == (405, D.FAILED)


def test_actions_need_the_csrf_token(editor, approver):
    from django.test import Client

    delivery = make_delivery(author=editor, state=D.FAILED, post_status=PostStatus.FAILED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(approver)

    response = client.post(reverse("publishing:retry", args=[delivery.pk]))

    delivery.refresh_from_db()
    assert (response.status_code, delivery.state) == (403, D.FAILED)


def test_a_double_submitted_retry_queues_one_send_and_explains_the_second(approver_client, editor):
    delivery = make_delivery(author=editor, state=D.FAILED, post_status=PostStatus.FAILED)
    url = reverse("publishing:retry", args=[delivery.pk])

    approver_client.post(url)
    Delivery.objects.filter(pk=delivery.pk).update(state=D.QUEUED)  # the dispatcher took it
    response = approver_client.post(url, follow=True)

    delivery.refresh_from_db()
    assert (response.status_code, delivery.state) == (200, D.QUEUED)
    assert "Questo invio non si può ripetere ora." in response.content.decode()


def test_resolve_with_a_bad_address_explains_it_and_changes_nothing(approver_client, editor):
    delivery = make_delivery(author=editor, state=D.NEEDS_CHECK)

    response = approver_client.post(
        reverse("publishing:resolve", args=[delivery.pk]),
        {"outcome": "sent", "url": "non è un indirizzo"},
        follow=True,
    )

    delivery.refresh_from_db()
    assert (response.status_code, delivery.state) == (200, D.NEEDS_CHECK)
    assert "indirizzo" in response.content.decode().lower()


def test_resolve_with_no_fields_at_all_is_not_a_500(approver_client, editor):
    delivery = make_delivery(author=editor, state=D.NEEDS_CHECK)

    response = approver_client.post(reverse("publishing:resolve", args=[delivery.pk]))

    delivery.refresh_from_db()
    assert (response.status_code, delivery.state) == (302, D.NEEDS_CHECK)


def test_the_desk_has_no_inline_script_or_style(editor_client, editor):
    make_delivery(author=editor, state=D.NEEDS_CHECK)

    html = editor_client.get(reverse("publishing:overview")).content.decode()
    main = html[html.index("<main") :]

    assert "<script>" not in main and "<style" not in main and 'style="' not in main
    assert " onclick=" not in main and " onsubmit=" not in main
