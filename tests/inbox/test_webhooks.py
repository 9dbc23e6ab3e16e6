"""Meta webhooks: signed deliveries only; a delivery repeated stores one message."""

import hashlib
import hmac

import pytest
from django.urls import reverse

from apps.inbox.enums import ConversationKind
from apps.inbox.models import Conversation, Message
from apps.publishing.models import ChannelCredential
from tests.channel_servers.graph import (
    GraphServer,
    comment_delivery,
    mention_delivery,
    message_delivery,
    signed,
)
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db
APP_SECRET = "meta-app-secret-for-tests"


@pytest.fixture(autouse=True)
def meta_secret(settings):
    settings.OAUTH_PROVIDERS = {
        **settings.OAUTH_PROVIDERS,
        "meta": {**settings.OAUTH_PROVIDERS["meta"], "client_secret": APP_SECRET},
    }
    settings.INBOX_META_VERIFY_TOKEN = "verifica-123"


@pytest.fixture(scope="module")
def graph():
    server = GraphServer()
    yield server
    server.stop()


@pytest.fixture
def channels(db, graph, office):
    return {
        "facebook": ChannelFactory(name="Facebook", kind="facebook", config=graph.config),
        "instagram": ChannelFactory(name="Instagram", kind="instagram", config=graph.config),
    }


def _deliver(client, payload, secret=APP_SECRET, *, header=None):
    body, signature = signed(payload, secret)
    return client.post(
        reverse("inbox:meta_webhook"),
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": header if header is not None else signature},
    )


def test_a_facebook_comment_delivered_twice_is_stored_once(client, graph, channels):
    comment = graph.add_comment("facebook", on=f"{graph.page_id}_900001", text="Orari TARI?")
    payload = comment_delivery(graph, comment)
    assert _deliver(client, payload).status_code == 200
    assert _deliver(client, payload).status_code == 200
    message = Message.objects.get()
    assert (message.text, message.channel) == ("Orari TARI?", channels["facebook"])


def test_a_forged_signature_is_refused_and_nothing_is_stored(client, graph, channels):
    comment = graph.add_comment("facebook", on=f"{graph.page_id}_900001", text="Falso")
    assert _deliver(client, comment_delivery(graph, comment), secret="altro").status_code == 403
    assert _deliver(client, comment_delivery(graph, comment), header="").status_code == 403
    assert Message.objects.count() == 0


def test_messenger_and_instagram_direct_are_private_conversations(client, graph, channels):
    _deliver(client, message_delivery(graph, network="facebook", text="Serve il certificato"))
    _deliver(client, message_delivery(graph, network="instagram", text="Info mensa?"))
    assert sorted(Conversation.objects.values_list("channel__kind", "kind")) == [
        ("facebook", ConversationKind.PRIVATE),
        ("instagram", ConversationKind.PRIVATE),
    ]


def test_an_instagram_comment_and_its_removal(client, graph, channels):
    comment = graph.add_comment("instagram", on="178000001", text="Bellissima foto")
    _deliver(client, comment_delivery(graph, comment))
    fb_comment = graph.add_comment("facebook", on=f"{graph.page_id}_900001", text="Da cancellare")
    _deliver(client, comment_delivery(graph, fb_comment))
    _deliver(client, comment_delivery(graph, fb_comment, verb="remove"))
    removed = Message.objects.get(network_id=fb_comment["id"])
    assert removed.deleted_by_author_at is not None and removed.text == ""


def test_the_subscription_check_answers_the_challenge_only_with_the_token(client):
    url = reverse("inbox:meta_webhook")
    ok = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "verifica-123", "hub.challenge": "42"}
    )
    wrong = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "no", "hub.challenge": "42"}
    )
    assert (ok.status_code, ok.content) == (200, b"42")
    assert wrong.status_code == 403


def test_a_signed_body_that_is_not_json_is_refused(client, channels):
    body = b"not json"
    header = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        reverse("inbox:meta_webhook"),
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": header},
    )
    assert response.status_code == 400
    assert Message.objects.count() == 0


def test_an_instagram_mention_named_by_id_gets_its_text_read_by_a_task(
    client, graph, channels, tasks_run_at_once, django_capture_on_commit_callbacks
):
    graph.reset()
    ChannelCredential.objects.create(channel=channels["instagram"], secret=graph.token)
    comment = graph.add_comment(
        "instagram", on="178000009", text="@comunediesempio buca in via Po", author="sara.m"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(client, mention_delivery(graph, comment))
    message = Message.objects.get()
    assert message.conversation.kind == ConversationKind.MENTION
    assert (message.text, message.author_handle) == ("@comunediesempio buca in via Po", "@sara.m")
