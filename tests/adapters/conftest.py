import logging
import uuid

import pytest

from apps.publishing.adapters.base import ImagePayload, PublishRequest
from tests.channel_servers import start_server

# A 1x1 JPEG is enough: the fakes check that a file arrived, not what it shows.
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c"
    "1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b"
    "080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffda0008"
    "010100003f00d2cf20ffd9"
)
# Patient enough for a loaded CI machine; tests that make the server hang pass
# ``read_timeout=HANG_TIMEOUT`` so the client gives up quickly.
PATIENT = {"read_timeout": 3.0, "connect_timeout": 1.0}
HANG_TIMEOUT = 0.3
FAST = {"read_timeout": HANG_TIMEOUT, "connect_timeout": 0.5}


@pytest.fixture(scope="module")
def server(request):
    """The fake API of the module's ``KIND``, started once per module and reset per test."""
    started = start_server(request.module.KIND)
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def _fresh_server(request):
    if "server" in request.fixturenames:
        request.getfixturevalue("server").reset()


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "municipio.jpg"
    path.write_bytes(TINY_JPEG)
    return ImagePayload(
        path=str(path),
        url="https://comune.esempio.it/media/municipio.jpg",
        alt_text="La facciata del municipio con il tricolore",
    )


@pytest.fixture
def make_request(server):
    def make(*, read_timeout: float = PATIENT["read_timeout"], **overrides) -> PublishRequest:
        values = {
            "delivery_id": 7,
            "idempotency_key": str(uuid.uuid4()),
            "text": "Lunedì 3 marzo l'ufficio anagrafe resta chiuso per aggiornamento dei sistemi.",
            "title": "Anagrafe chiusa lunedì",
            "config": {**server.config, **PATIENT, "read_timeout": read_timeout},
            "secret": server.token,
        }
        values.update(overrides)
        return PublishRequest(**values)

    return make


@pytest.fixture
def unreachable_config():
    """A port nobody listens on: the connection is refused."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return {"base_url": f"http://127.0.0.1:{port}", "url": f"http://127.0.0.1:{port}/", **FAST}


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_secret_hidden(secret: str, caplog, *errors: Exception) -> None:
    """The secret appears nowhere: log records, exception messages or their reprs."""
    for record in caplog.records:
        assert secret not in record.getMessage(), record.getMessage()
    for error in errors:
        assert secret not in str(error)
        assert secret not in repr(error)
        assert error.__cause__ is None or secret not in str(error.__cause__)
