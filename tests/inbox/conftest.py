from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.inbox.collectors.base import Incoming
from apps.inbox.models import InboxSettings
from tests.factories import ChannelFactory

ROME = ZoneInfo("Europe/Rome")


def at(*args) -> datetime:
    """A wall-clock time in Rome."""
    return datetime(*args, tzinfo=ROME)


def incoming(network_id: str, text: str = "Quando scade la TARI?", **kwargs) -> Incoming:
    defaults = {
        "kind": "comment",
        "thread_key": network_id,
        "received_at": at(2026, 12, 7, 9, 0),
        "author_id": "u1",
        "author_name": "Mario Rossi",
        "author_handle": "@mario",
    }
    defaults.update(kwargs)
    return Incoming(network_id=network_id, text=text, **defaults)


@pytest.fixture
def office(db):
    """Monday to Friday, 8:00-17:00; the patron saint is San Giovanni (24 June)."""
    settings = InboxSettings.load()
    settings.patron_month, settings.patron_day = 6, 24
    settings.save()
    return settings


@pytest.fixture
def channel(db):
    return ChannelFactory(name="Mastodon del Comune", kind="mastodon")
