import pytest

from tests.channel_servers.event_receiver import EventReceiverServer


@pytest.fixture(scope="module")
def receiver_server():
    server = EventReceiverServer()
    yield server
    server.stop()


@pytest.fixture
def receiver(receiver_server):
    receiver_server.reset()
    yield receiver_server
