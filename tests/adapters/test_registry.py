import pytest

from apps.channels.enums import ChannelKind
from apps.publishing.adapters.base import Adapter, PermanentError
from apps.publishing.adapters.registry import get_adapter


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

    assert reconciling == {"mastodon", "webhook", "outbox", "website", "newsletter"}
