import uuid

from apps.publishing.adapters.base import PublishRequest
from apps.publishing.adapters.outbox import OutboxAdapter


def _request(**kwargs):
    return PublishRequest(
        delivery_id=3, idempotency_key=str(uuid.uuid4()), text="Avviso di prova", **kwargs
    )


def test_the_outbox_records_the_request_and_returns_an_id():
    adapter = OutboxAdapter()
    request = _request()

    result = adapter.publish(request)

    assert result.external_id == "outbox-3"
    assert OutboxAdapter.records[request.idempotency_key] == request


def test_publishing_twice_records_once_and_find_existing_sees_it():
    adapter = OutboxAdapter()
    request = _request()

    adapter.publish(request)
    adapter.publish(request)

    assert list(OutboxAdapter.records).count(request.idempotency_key) == 1
    assert adapter.find_existing(request).external_id == "outbox-3"
    assert adapter.find_existing(_request()) is None


def test_the_outbox_never_logs_the_secret(caplog):
    OutboxAdapter().publish(_request(secret="super-secret-token"))

    assert caplog.records
    assert all("super-secret-token" not in r.getMessage() for r in caplog.records)
