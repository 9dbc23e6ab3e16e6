"""One HTTP client per channel per worker process: sends reuse the open connections."""

import os
import threading

from apps.publishing.adapters import _http
from apps.publishing.adapters.lanes import in_lane, lanes_for_batch
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


def test_a_batch_shares_a_pool_five_requests_at_a_time():
    """httpcore scans a pool on every request, with work growing as its square: a slot's
    batch is spread over pools of five, and no two slots share one."""
    batch = lanes_for_batch(12)
    other_slot = []
    thread = threading.Thread(target=lambda: other_slot.extend(lanes_for_batch(12)))
    thread.start()
    thread.join()

    assert [batch.count(lane) for lane in dict.fromkeys(batch)] == [5, 5, 2]
    assert batch == lanes_for_batch(12)
    assert not set(batch) & set(other_slot)


def test_each_lane_keeps_its_own_connections_for_the_slot_s_next_batch(server, make_request):
    first_lane, second_lane = (1, 0), (1, 1)
    in_lane(first_lane, adapter.publish, make_request(idempotency_key="k-1"))
    in_lane(second_lane, adapter.publish, make_request(idempotency_key="k-2"))
    in_lane(first_lane, adapter.publish, make_request(idempotency_key="k-3"))

    first, other, again = server.requests_to("/hooks/pa-planner")
    assert first.peer == again.peer
    assert other.peer != first.peer
    assert in_lane(first_lane, _http.client_for, {}, base_url=server.base_url) is in_lane(
        first_lane, _http.client_for, {}, base_url=server.base_url
    )
    assert in_lane(first_lane, _http.client_for, {}, base_url=server.base_url) is not in_lane(
        second_lane, _http.client_for, {}, base_url=server.base_url
    )


def test_beyond_the_limit_the_least_recently_used_client_is_dropped(monkeypatch):
    monkeypatch.setattr(_http, "MAX_CLIENTS", 2)
    monkeypatch.setattr(_http, "_clients", {})

    def client(name):
        return _http.client_for({}, base_url=f"https://{name}.example.org")

    busy, idle = client("busy"), client("idle")
    assert client("busy") is busy
    client("new")

    assert client("busy") is busy
    assert client("idle") is not idle


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
