"""Mastodon's unknown outcomes are settled by looking the status up, not by trusting the
Idempotency-Key beyond the hour the server remembers it (real adapter, local Mastodon API)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.channels.enums import ChannelKind
from apps.planning.enums import PostStatus
from apps.publishing import services
from apps.publishing.adapters.base import PublishRequest, UnknownOutcome
from apps.publishing.adapters.mastodon import LOOKUP_PAGE_SIZE, MastodonAdapter
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import ChannelCredential, Delivery
from tests.channel_servers import start_server
from tests.factories import ChannelFactory, PostFactory

adapter = MastodonAdapter()
TEXT = "Sabato 15 marzo il mercato si sposta in piazza Garibaldi.\nOrari consueti."
LINK = "https://www.comune.esempio.it/notizie/mercato-in-piazza-garibaldi-sabato"


@pytest.fixture(scope="module")
def mastodon():
    server = start_server("mastodon")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh(mastodon):
    mastodon.reset()


def make_request(mastodon, *, not_before=None, **overrides) -> PublishRequest:
    return PublishRequest(
        **{
            "delivery_id": 7,
            "idempotency_key": str(uuid.uuid4()),
            "text": TEXT,
            "link": LINK,
            "config": {**mastodon.config, "read_timeout": 3.0},
            "secret": mastodon.token,
            "not_before": not_before or datetime.now(UTC) - timedelta(minutes=1),
            **overrides,
        }
    )


def test_the_lookup_finds_the_status_an_attempt_created_even_with_a_link_and_line_breaks(
    mastodon,
):
    request = make_request(mastodon)
    created = adapter.publish(request)
    mastodon.add_status("Un altro messaggio, pubblicato dopo da una persona.")

    assert adapter.find_existing(request) == created


def test_the_lookup_says_not_there_once_it_has_read_back_past_the_first_attempt(mastodon):
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    # The same words, posted by hand before any attempt of ours: not our status.
    mastodon.add_status(f"{TEXT}\n\n{LINK}", created_at=long_ago)
    mastodon.add_status("Avviso di ieri", created_at=long_ago + timedelta(minutes=1))

    assert adapter.find_existing(make_request(mastodon)) is None


def test_the_lookup_reads_further_pages_when_many_statuses_came_after_ours(mastodon):
    request = make_request(mastodon)
    created = adapter.publish(request)
    for number in range(LOOKUP_PAGE_SIZE + 5):
        mastodon.add_status(f"Messaggio automatico {number}")

    assert adapter.find_existing(request) == created
    assert len(mastodon.requests_to("/statuses", method="GET")) == 2


def test_too_many_statuses_to_be_sure_within_the_key_window_still_allow_the_keyed_resend(
    mastodon,
):
    for number in range(5 * LOOKUP_PAGE_SIZE + 1):
        mastodon.add_status(f"Messaggio automatico {number}")

    recent = make_request(mastodon, not_before=datetime.now(UTC) - timedelta(minutes=10))
    assert adapter.find_existing(recent) is None  # the Idempotency-Key still protects


def test_too_many_statuses_to_be_sure_outside_the_key_window_go_to_a_person(mastodon):
    for number in range(5 * LOOKUP_PAGE_SIZE + 1):
        mastodon.add_status(f"Messaggio automatico {number}")

    old = make_request(mastodon, not_before=datetime.now(UTC) - timedelta(hours=2))
    with pytest.raises(UnknownOutcome):
        adapter.find_existing(old)


@pytest.mark.django_db
def test_a_retry_hours_after_a_lost_answer_finds_the_status_instead_of_posting_it_again(
    mastodon,
):
    channel = ChannelFactory(
        kind=ChannelKind.MASTODON,
        config={**mastodon.config, "read_timeout": 3.0},
        late_tolerance_minutes=600,  # still wanted this late: the office said so
    )
    ChannelCredential.objects.create(channel=channel, secret=mastodon.token)
    post = PostFactory(
        status=PostStatus.APPROVED,
        planned_at=timezone.now() - timedelta(hours=2),
        channels=[channel],
        base_text="Lunedì 17 marzo chiude per lavori il parcheggio di via Roma.",
    )
    services.schedule_deliveries(post=post)
    [delivery_id] = services.claim_due()
    # Two hours ago an attempt created the status, but its answer was lost; the delivery has
    # waited since, and Mastodon no longer remembers its Idempotency-Key.
    started = timezone.now() - timedelta(hours=2)
    earlier = adapter.publish(services.build_publish_request(Delivery.objects.get(pk=delivery_id)))
    mastodon.expire_idempotency_keys()
    Delivery.objects.filter(pk=delivery_id).update(
        sending_started_at=started, needs_reconcile=True, attempts=1
    )

    outcome = services.send_delivery(delivery_id=delivery_id)

    delivery = Delivery.objects.get(pk=delivery_id)
    assert (outcome.state, delivery.external_id) == (D.SENT, earlier.external_id)
    assert len(mastodon.items) == 1  # found, not posted a second time
    assert len(mastodon.requests_to("/api/v1/statuses")) == 1  # only the earlier attempt
