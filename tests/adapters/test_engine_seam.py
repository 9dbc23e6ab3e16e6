"""The seam with the dispatch engine: services.send_delivery drives the real adapters against
the fake APIs, with the channel's config and credential (no fake adapter in between)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing import services
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import ChannelCredential, Delivery
from tests.adapters.conftest import FAST, PATIENT
from tests.factories import ChannelFactory, PostFactory

KIND = "mastodon"
pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery(server):
    channel = ChannelFactory(
        name="Mastodon di prova", kind=ChannelKind.MASTODON, config={**server.config, **PATIENT}
    )
    ChannelCredential.objects.create(channel=channel, secret=server.token)
    post = PostFactory(
        status=PostStatus.APPROVED,
        planned_at=timezone.now() - timedelta(seconds=5),
        channels=[channel],
        base_text="Domenica 9 marzo la ZTL del centro resta aperta per la fiera.",
    )
    services.schedule_deliveries(post=post)
    [delivery_id] = services.claim_due()
    return Delivery.objects.get(pk=delivery_id)


def test_a_due_delivery_is_sent_once_with_the_id_and_url_of_the_service(server, delivery):
    outcome = services.send_delivery(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    [status] = server.items
    assert outcome.state == D.SENT
    assert (delivery.external_id, delivery.external_url) == (status["id"], status["url"])
    assert status["text"] == "Domenica 9 marzo la ZTL del centro resta aperta per la fiera."
    assert server.requests[-1].header("idempotency-key") == str(delivery.idempotency_key)


def test_a_rate_limit_becomes_a_retry_no_sooner_than_retry_after(server, delivery):
    server.fail_next(1, "429", retry_after=600)

    outcome = services.send_delivery(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome.state == D.WAITING
    assert delivery.next_attempt_at >= timezone.now() + timedelta(seconds=590)
    assert server.items == []


def test_a_revoked_token_fails_the_delivery_with_the_services_message(server, delivery):
    ChannelCredential.objects.filter(channel=delivery.variant.channel).update(secret="revocato")

    outcome = services.send_delivery(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome.state == D.FAILED
    assert "The access token is invalid" in delivery.last_error
    assert "revocato" not in delivery.last_error


def test_a_lost_answer_on_mastodon_is_reconciled_by_its_idempotency_key(server, delivery):
    channel = delivery.variant.channel
    channel.config = {**server.config, **FAST}  # the client gives up on the hanging answer
    channel.save(update_fields=["config"])
    server.fail_next(1, "hang", after_processing=True)

    services.send_delivery(delivery_id=delivery.pk)
    channel.config = {**server.config, **PATIENT}
    channel.save(update_fields=["config"])
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    services.claim_due()
    services.send_delivery(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.state == D.SENT
    assert len(server.items) == 1
    assert delivery.external_id == server.items[0]["id"]
