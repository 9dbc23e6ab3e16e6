"""Addresses an administrator typed (a Mastodon instance, a webhook receiver, a Bluesky server)
are resolved once per request at send time, refused when internal, and connected to at the
address that was checked: a name that resolves to something else a moment later (a DNS
rebind) cannot redirect the send, nor the token, into the office's network."""

import socket
import uuid

import pytest
from django.test import override_settings

from apps.publishing.adapters.base import ConfigurationError, PublishRequest, TransientError
from apps.publishing.adapters.mastodon import MastodonAdapter
from apps.publishing.adapters.webhook import WebhookAdapter
from tests.channel_servers.mastodon import MastodonServer
from tests.channel_servers.webhook import WebhookServer

REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture
def dns(monkeypatch):
    """``dns["name"] = "address"``: what the name resolves to; each lookup is counted."""
    answers: dict[str, str] = {}
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port or 0))]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return _Dns(answers, lookups)


class _Dns:
    def __init__(self, answers: dict, lookups: list):
        self.answers, self.lookups = answers, lookups

    def __setitem__(self, name: str, address: str) -> None:
        self.answers[name] = address


@pytest.fixture
def mastodon():
    with MastodonServer() as server:
        yield server


def _request(server, base_url: str, **config) -> PublishRequest:
    return PublishRequest(
        delivery_id=1,
        idempotency_key=str(uuid.uuid4()),
        text="Il ponte di via Roma riapre lunedì.",
        config={**server.config, "base_url": base_url, "read_timeout": 3, **config},
        secret=server.token,
    )


def _port(server) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def test_the_send_connects_to_the_address_that_was_checked(dns, mastodon):
    dns["mastodon.comune.test"] = "127.0.0.1"  # allowed in tests (PRIVATE_HOSTS_ALLOWED)
    base_url = f"http://mastodon.comune.test:{_port(mastodon)}"

    MastodonAdapter().publish(_request(mastodon, base_url))

    assert mastodon.published_texts() == ["Il ponte di via Roma riapre lunedì."]
    [sent] = mastodon.requests_to("/api/v1/statuses")
    assert sent.header("host") == f"mastodon.comune.test:{_port(mastodon)}"  # the name kept
    assert dns.lookups == ["mastodon.comune.test"]  # resolved once, by the check itself


def test_a_name_that_now_resolves_to_an_internal_address_is_refused_before_connecting(
    dns, mastodon
):
    dns["mastodon.comune.test"] = "10.0.0.8"

    with override_settings(PRIVATE_HOSTS_ALLOWED=[]):
        with pytest.raises(ConfigurationError, match=r"rete interna \(10\.0\.0\.8\)"):
            MastodonAdapter().publish(
                _request(mastodon, f"http://mastodon.comune.test:{_port(mastodon)}")
            )

    assert mastodon.requests == []


def test_loopback_is_refused_at_send_outside_tests(mastodon):
    with override_settings(PRIVATE_HOSTS_ALLOWED=[]):
        with pytest.raises(ConfigurationError, match="rete interna"):
            MastodonAdapter().publish(_request(mastodon, mastodon.base_url))

    assert mastodon.requests == []


def test_a_webhook_url_typed_by_an_administrator_is_checked_at_send():
    with WebhookServer() as receiver:
        url = f"http://localhost:{_port(receiver)}/hooks/pa-planner"
        request = PublishRequest(
            delivery_id=1,
            idempotency_key=str(uuid.uuid4()),
            text="Avviso",
            config={"url": url, "read_timeout": 3},
            secret=receiver.token,
        )
        with override_settings(PRIVATE_HOSTS_ALLOWED=[]):
            with pytest.raises(ConfigurationError, match="rete interna"):
                WebhookAdapter().publish(request)
        assert receiver.requests == []

        with override_settings(PRIVATE_HOSTS_ALLOWED=["127.0.0.1", "::1"]):
            WebhookAdapter().publish(request)
        assert len(receiver.items) == 1


def test_a_name_that_does_not_resolve_is_a_transient_failure(dns, mastodon):
    with pytest.raises(TransientError):
        MastodonAdapter().publish(_request(mastodon, "http://nessuno.invalid"))
