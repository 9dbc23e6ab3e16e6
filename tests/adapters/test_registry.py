import pytest

from apps.channels.enums import ChannelKind
from apps.publishing.adapters.base import Adapter, ConfigurationError, PermanentError
from apps.publishing.adapters.registry import get_adapter, override


@pytest.mark.parametrize("kind", ChannelKind.values)
def test_every_channel_kind_has_an_adapter_of_that_kind(kind):
    adapter = get_adapter(kind)

    assert isinstance(adapter, Adapter)
    assert adapter.kind == kind


def test_an_unknown_kind_is_a_permanent_error():
    with pytest.raises(PermanentError, match="whatsapp"):
        get_adapter("whatsapp")


def test_only_channels_with_idempotency_or_lookup_claim_to_reconcile():
    reconciling = {kind for kind in ChannelKind.values if get_adapter(kind).can_reconcile}

    assert reconciling == {"mastodon", "webhook", "outbox", "website", "newsletter", "wordpress"}


def test_an_override_answers_for_its_kind_only_and_ends_with_its_block():
    stand_in = object()

    with override(stand_in, kind="telegram"):
        assert get_adapter("telegram") is stand_in
        assert get_adapter("mastodon").kind == "mastodon"

    assert get_adapter("telegram").kind == "telegram"


def test_an_override_without_a_kind_answers_for_every_kind_and_may_raise():
    with override(ConfigurationError("token mancante")):
        with pytest.raises(ConfigurationError, match="token mancante"):
            get_adapter("mastodon")

    assert get_adapter("mastodon").kind == "mastodon"
