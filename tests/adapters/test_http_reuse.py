"""One HTTP client per channel per worker process: sends reuse the open connections."""

import os

from apps.publishing.adapters import _http
from apps.publishing.adapters.lanes import in_lane
from apps.publishing.adapters.webhook import WebhookAdapter
from apps.publishing.adapters.x import XAdapter
from tests.channel_servers import start_server

KIND = "webhook"
adapter = WebhookAdapter()


def test_two_sends_on_one_channel_travel_on_one_connection(server, make_request):
    adapter.publish(make_request(idempotency_key="k-1"))
    adapter.publish(make_request(idempotency_key="k-2"))

    first, second = server.requests_to("/hooks/pa-planner")
    assert first.peer == second.peer
    assert len(server.items) == 2


def test_each_sending_slot_keeps_its_own_connections_for_its_next_batch(server, make_request):
    """A worker's slots do not share one pool (httpcore scans it on every request): each
    slot's lane has its own client, and the slot's next batch travels on the same
    connection."""
    in_lane(1, adapter.publish, make_request(idempotency_key="k-1"))
    in_lane(2, adapter.publish, make_request(idempotency_key="k-2"))
    in_lane(1, adapter.publish, make_request(idempotency_key="k-3"))

    first, other, again = server.requests_to("/hooks/pa-planner")
    assert first.peer == again.peer
    assert other.peer != first.peer
    assert in_lane(1, _http.client_for, {}, base_url=server.base_url) is in_lane(
        1, _http.client_for, {}, base_url=server.base_url
    )
    assert in_lane(1, _http.client_for, {}, base_url=server.base_url) is not in_lane(
        2, _http.client_for, {}, base_url=server.base_url
    )


def test_each_channel_has_its_own_client_and_its_own_token():
    x_server = start_server("x")
    try:
        config = {**x_server.config, "read_timeout": 3.0}
        one = XAdapter()._client(config, "token-uno")
        other = XAdapter()._client(config, "token-due")
        again = XAdapter()._client(config, "token-uno")
    finally:
        x_server.stop()

    assert one is again
    assert one is not other
    assert (one.headers["authorization"], other.headers["authorization"]) == (
        "Bearer token-uno",
        "Bearer token-due",
    )


def test_with_block_leaves_the_shared_client_open(server):
    client = _http.client_for({}, base_url=server.base_url)
    with client as inside:
        assert inside is client

    assert not client.is_closed
    assert _http.client_for({}, base_url=server.base_url) is client


def test_a_forked_worker_process_starts_without_its_parents_clients(server):
    parent = _http.client_for({}, base_url=server.base_url)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a prefork pool process
        try:
            os.close(read)
            fresh = _http.client_for({}, base_url=server.base_url)
            os.write(write, b"new" if fresh is not parent and len(_http._clients) == 1 else b"old")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 16)
    os.waitpid(pid, 0)
    os.close(read)

    assert answer == b"new"
    assert _http.client_for({}, base_url=server.base_url) is parent
