"""The editor and the review queue show a channel that cannot publish now (not connected, to
reconnect, lapsed); approval warns about it and goes ahead."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.channels.models import ChannelConnection, ConnectionStatus
from apps.channels.selectors import connection_problem
from apps.planning.enums import PostStatus as S
from apps.planning.models import Post
from apps.publishing.models import ChannelCredential
from tests.factories import ChannelFactory
from tests.review.factories import post_in

pytestmark = pytest.mark.django_db


def _connected(name, kind=ChannelKind.X, **extra):
    channel = ChannelFactory(name=name, kind=kind)
    ChannelConnection.objects.create(
        channel=channel, provider="x", access_token="t", connected_at=timezone.now(), **extra
    )
    return channel


def test_what_each_channel_tells_about_its_connection():
    outbox = ChannelFactory(name="Registro", kind=ChannelKind.OUTBOX)
    bare = ChannelFactory(name="Mastodon", kind=ChannelKind.MASTODON)
    pasted = ChannelFactory(name="Telegram", kind=ChannelKind.TELEGRAM)
    ChannelCredential.objects.create(channel=pasted, secret="123:abc")
    fine = _connected("X", refresh_token="rt", expires_at=timezone.now() - timedelta(minutes=1))
    revoked = _connected("X revocato", status=ConnectionStatus.NEEDS_RECONNECT)
    lapsed = _connected("LinkedIn", expires_at=timezone.now() - timedelta(minutes=1))

    problems = {
        c.name: connection_problem(c) for c in (outbox, bare, pasted, fine, revoked, lapsed)
    }

    assert problems == {
        "Registro": "",
        "Mastodon": "non collegato: i post aspettano finché un amministratore lo collega",
        "Telegram": "",
        "X": "",  # a refresh token: the beat renews it
        "X revocato": "da ricollegare: i post aspettano finché un amministratore lo ricollega",
        "LinkedIn": "accesso scaduto: va ricollegato, i post aspettano",
    }


def test_the_editor_names_a_channel_to_reconnect_beside_its_box(editor_client):
    _connected("X · Comune", status=ConnectionStatus.NEEDS_RECONNECT)
    ChannelFactory(name="Registro")

    body = editor_client.get(reverse("planning:post_create")).content.decode()

    assert "X · Comune (da ricollegare: i post aspettano" in body
    assert "Registro (" not in body


def test_the_review_page_warns_and_approval_still_goes_ahead(approver_client, editor):
    channel = _connected("X · Comune", status=ConnectionStatus.NEEDS_RECONNECT)
    post = post_in(S.IN_REVIEW, author=editor, channels=[channel, ChannelFactory(name="Registro")])

    queue = approver_client.get(reverse("review:queue")).content.decode()
    response = approver_client.post(
        reverse("review:approve", args=[post.pk]),
        {"expected_version": 1, "next": reverse("review:post", args=[post.pk])},
        follow=True,
    )

    assert "Canali che ora non possono pubblicare" in queue
    assert "X · Comune: da ricollegare" in queue and "Registro: " not in queue
    assert "Puoi approvare lo stesso" in queue
    assert Post.objects.get(pk=post.pk).status == S.APPROVED
    assert "Post approvato" in response.content.decode()


def test_the_review_queue_query_count_does_not_grow_with_connected_channels(
    approver_client, editor, django_assert_max_num_queries
):
    post_in(S.IN_REVIEW, author=editor, channels=[_connected("X 1")])
    approver_client.get(reverse("review:queue"))  # the session's first request does more
    with django_assert_max_num_queries(40) as one:
        approver_client.get(reverse("review:queue"))
    post_in(S.IN_REVIEW, author=editor, channels=[_connected("X 2"), _connected("X 3")])
    post_in(S.IN_REVIEW, author=editor, channels=[ChannelFactory(kind=ChannelKind.MASTODON)])

    with django_assert_max_num_queries(len(one.captured_queries)):
        body = approver_client.get(reverse("review:queue")).content.decode()

    assert body.count("Canali che ora non possono pubblicare") == 1
