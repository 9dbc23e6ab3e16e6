"""The error contract every network adapter keeps, against its local fake API
(``tests/channel_servers/``): which answer becomes which error class.

- the service refuses the token -> ``PermanentError`` with its status and its own words, a
  configuration problem (Graph's 400 with code 190 included);
- rate limited -> ``TransientError`` carrying the wait the service asked for;
- a server error, or a connection refused -> ``TransientError``;
- no answer, or a dropped connection, after the request took effect -> ``UnknownOutcome``;
- no secret at all -> ``ConfigurationError`` before any request.

What only one network does (Telegram's unknown chat, X's duplicate content, Instagram's
container, Mastodon's idempotent resend…) stays in that adapter's own ``test_<kind>.py``.
"""

import dataclasses
import uuid

import pytest

from apps.publishing.adapters.base import (
    ConfigurationError,
    PermanentError,
    PublishRequest,
    TransientError,
    UnknownOutcome,
)
from apps.publishing.adapters.registry import get_adapter
from tests.adapters.conftest import HANG_TIMEOUT, PATIENT
from tests.channel_servers import SERVERS, start_server


@dataclasses.dataclass(frozen=True)
class Contract:
    kind: str
    refused_token_status: int
    refused_token_says: str
    # A Page token's Business Use Case limit is an HTTP 400 (code 80001, the wait in minutes in
    # X-Business-Use-Case-Usage) that must not be taken for rejected content.
    rate_limit_status: int
    server_error_status: int
    publish_path: str | None = None  # the request that publishes, when there are several
    needs_image: bool = False


CONTRACTS = [
    Contract("mastodon", 401, "The access token is invalid", 429, 500),
    Contract("telegram", 401, "Unauthorized", 429, 500),
    Contract("facebook", 400, "Invalid OAuth access token", 400, 500),
    Contract(
        "instagram",
        400,
        "Invalid OAuth access token",
        400,
        500,
        publish_path="media_publish",
        needs_image=True,
    ),
    Contract("x", 401, "Unauthorized", 429, 503),
    Contract("linkedin", 401, "Invalid access token", 429, 500),
    Contract("webhook", 401, "invalid signature", 429, 500),
    Contract("bluesky", 401, "AuthenticationRequired", 429, 500),
    Contract(
        "threads", 400, "Invalid OAuth access token", 400, 500, publish_path="threads_publish"
    ),
    Contract("wordpress", 401, "incorrect_password", 429, 500),
]


@pytest.fixture(scope="module")
def servers():
    started = {}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture(params=CONTRACTS, ids=lambda contract: contract.kind)
def contract(request, servers):
    contract = request.param
    if contract.kind not in servers:
        servers[contract.kind] = start_server(contract.kind)
    servers[contract.kind].reset()
    return contract


@pytest.fixture
def server(contract, servers):
    return servers[contract.kind]


@pytest.fixture
def publish(contract, server, image):
    adapter = get_adapter(contract.kind)

    def publish(*, config=None, **overrides):
        request = PublishRequest(
            delivery_id=7,
            idempotency_key=str(uuid.uuid4()),
            text="Lunedì 3 marzo l'ufficio anagrafe resta chiuso per aggiornamento dei sistemi.",
            title="Anagrafe chiusa lunedì",
            config={**server.config, **PATIENT, **(config or {})},
            secret=server.token,
            images=(image,) if contract.needs_image else (),
        )
        return adapter.publish(dataclasses.replace(request, **overrides))

    return publish


def test_a_refused_token_is_permanent_with_the_services_words(contract, server, publish):
    with pytest.raises(PermanentError) as caught:
        publish(secret=f"wrong-{contract.kind}")

    assert caught.value.status == contract.refused_token_status
    assert contract.refused_token_says in str(caught.value)
    assert caught.value.is_configuration  # fixed in the channel's settings, then sent again
    assert server.items == []


def test_rate_limiting_is_transient_with_the_wait_the_service_asked_for(contract, server, publish):
    server.fail_next(1, "429", retry_after=120)

    with pytest.raises(TransientError) as caught:
        publish()

    assert caught.value.status == contract.rate_limit_status
    assert caught.value.retry_after == pytest.approx(120, abs=2)
    assert server.items == []


def test_a_server_error_is_transient(contract, server, publish):
    server.fail_next(1, "500")

    with pytest.raises(TransientError) as caught:
        publish()

    assert caught.value.status == contract.server_error_status
    assert server.items == []


def test_a_refused_connection_is_transient(contract, publish, unreachable_config):
    with pytest.raises(TransientError):
        publish(config=unreachable_config)


@pytest.mark.parametrize("fault", ["drop", "hang"])
def test_no_answer_after_the_request_took_effect_is_an_unknown_outcome(
    contract, server, publish, fault
):
    server.fail_next(1, fault, after_processing=True, on_path=contract.publish_path)

    with pytest.raises(UnknownOutcome):
        publish(config={"read_timeout": HANG_TIMEOUT})

    assert len(server.items) == 1  # it did go out: only the engine may decide what next


def test_a_missing_secret_is_a_configuration_error_before_any_request(server, publish):
    with pytest.raises(ConfigurationError, match="credenziale"):
        publish(secret="")

    assert server.requests == []


def test_the_contract_covers_every_kind_with_a_fake_api():
    assert {contract.kind for contract in CONTRACTS} == set(SERVERS)
