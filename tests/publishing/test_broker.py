"""The embedded broker never hands a worker a half-written message."""

import pytest
from kombu import Connection
from kombu.transport import filesystem
from kombu.transport.virtual import Empty

from apps.publishing import broker


def channel_on(tmp_path, transport):
    folder = tmp_path / "queue"
    folder.mkdir(exist_ok=True)
    connection = Connection(
        "filesystem://",
        transport=transport,
        transport_options={"data_folder_in": str(folder), "data_folder_out": str(folder)},
    )
    return connection, connection.default_channel


def test_a_worker_polling_while_a_message_is_written_sees_nothing_then_the_whole_message(
    tmp_path, monkeypatch
):
    connection, writer = channel_on(tmp_path, "apps.publishing.broker:Transport")
    reader_connection, reader = channel_on(tmp_path, "apps.publishing.broker:Transport")
    seen_mid_write = []

    def dumps_while_a_worker_polls(payload):
        try:
            seen_mid_write.append(reader._get("celery"))
        except Empty:
            seen_mid_write.append("empty")
        return filesystem.dumps(payload)

    monkeypatch.setattr(broker, "dumps", dumps_while_a_worker_polls)

    writer._put("celery", {"body": "sveglia", "n": 1})

    assert seen_mid_write == ["empty"]
    assert reader._get("celery") == {"body": "sveglia", "n": 1}
    connection.release()
    reader_connection.release()


def test_kombus_own_transport_would_hand_over_an_empty_file(tmp_path, monkeypatch):
    """Why broker.py exists (kombu 5.x): this documents the upstream race it closes."""
    connection, writer = channel_on(tmp_path, "filesystem")
    reader_connection, reader = channel_on(tmp_path, "filesystem")
    errors = []

    def dumps_while_a_worker_polls(payload):
        try:
            reader._get("celery")
        except ValueError as exc:  # json.JSONDecodeError: the worker would exit
            errors.append(type(exc).__name__)
        return "{}"

    monkeypatch.setattr(filesystem, "dumps", dumps_while_a_worker_polls)

    writer._put("celery", {"body": "sveglia"})

    assert errors == ["JSONDecodeError"]
    connection.release()
    reader_connection.release()


def control_channel_on(tmp_path, transport):
    connection = Connection(
        "filesystem://",
        transport=transport,
        transport_options={
            "data_folder_in": str(tmp_path),
            "data_folder_out": str(tmp_path),
            "control_folder": str(tmp_path / "control"),
        },
    )
    (tmp_path / "control").mkdir(exist_ok=True)
    return connection, connection.default_channel


def test_a_worker_starting_while_another_creates_the_exchange_table_binds_both_queues(tmp_path):
    """The second worker finds the table file created but not yet written (kombu's own
    ``open("wb")`` then lock): it must read it as no bindings and add its own."""
    connection, channel = control_channel_on(tmp_path, "apps.publishing.broker:Transport")
    (tmp_path / "control" / "celery.pidbox.exchange").write_text("")

    assert channel.get_table("celery.pidbox") == []
    channel._queue_bind("celery.pidbox", "", "", "worker-1")
    channel._queue_bind("celery.pidbox", "", "", "worker-2")
    channel._queue_bind("celery.pidbox", "", "", "worker-1")

    assert [row.queue for row in channel.get_table("celery.pidbox")] == ["worker-2", "worker-1"]
    connection.release()


def test_kombus_own_transport_fails_on_an_exchange_table_not_yet_written(tmp_path):
    """Why broker.py overrides the binding too (kombu 5.x): the error that stopped a CI worker."""
    connection, channel = control_channel_on(tmp_path, "filesystem")
    (tmp_path / "control" / "celery.pidbox.exchange").write_text("")

    with pytest.raises(ValueError):
        channel._queue_bind("celery.pidbox", "", "", "worker-2")
    connection.release()
