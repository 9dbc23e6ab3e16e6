"""Checking a credential reads the account's name and publishes nothing."""

import pytest

from apps.publishing.adapters.base import PermanentError
from apps.publishing.adapters.registry import get_adapter
from tests.adapters.conftest import PATIENT, assert_secret_hidden
from tests.channel_servers import start_server

EXPECTED = {
    "mastodon": "@comune",
    "telegram": "@ComuneBot",
    "facebook": "Comune di Esempio",
    "instagram": "@comunediesempio",
    "x": "@ComuneEsempio",
    "linkedin": "Comune di Esempio",
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_a_valid_credential_names_the_account_and_a_wrong_one_is_refused(kind, all_logs):
    adapter = get_adapter(kind)
    with start_server(kind) as server:
        config = {**server.config, **PATIENT}

        name = adapter.verify(config=config, secret=server.token)
        with pytest.raises(PermanentError) as caught:
            adapter.verify(config=config, secret=server.token[:-3] + "xyz")

        assert adapter.supports_verify is True
        assert name == EXPECTED[kind]
        assert server.items == []
        assert_secret_hidden(server.token, all_logs, caught.value)


@pytest.mark.parametrize("kind", ["webhook", "outbox", "website", "newsletter"])
def test_channels_without_an_account_cannot_be_verified(kind):
    adapter = get_adapter(kind)

    assert adapter.supports_verify is False
    with pytest.raises(PermanentError):
        adapter.verify(config={}, secret="x")
