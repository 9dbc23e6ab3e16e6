"""The fake APIs themselves: the contract the system tests rely on."""

import httpx
import pytest

from tests.channel_servers import SERVERS, start_server

HTTP = httpx.Client(timeout=5)  # one client: building one per call costs more than the call


@pytest.mark.parametrize("kind", sorted(SERVERS))
def test_every_fake_refuses_a_request_without_its_token(kind):
    with start_server(kind) as server:
        response = HTTP.post(server.base_url + "/api/v1/statuses", json={"text": "x"})

        assert response.status_code in (400, 401, 404)
        assert server.items == []
        assert len(server.requests) == 1


def test_faults_can_target_a_path_and_are_consumed_in_order():
    with start_server("mastodon") as server:
        server.fail_next(1, "429", retry_after=4, on_path="/statuses")
        server.fail_next(1, "500")
        auth = {"Authorization": f"Bearer {server.token}"}

        first = HTTP.get(server.base_url + "/api/v1/statuses/1", headers=auth)
        second = HTTP.post(server.base_url + "/api/v2/media", headers=auth)

        assert (first.status_code, first.headers["X-RateLimit-Remaining"]) == (429, "0")
        assert second.status_code == 500
        assert [r.fault for r in server.requests] == ["429", "500"]


def test_reset_forgets_requests_items_faults_and_idempotency_keys():
    with start_server("mastodon") as server:
        auth = {"Authorization": f"Bearer {server.token}", "Idempotency-Key": "k"}
        HTTP.post(server.base_url + "/api/v1/statuses", data={"status": "uno"}, headers=auth)
        server.fail_next(3, "500")

        server.reset()
        response = HTTP.post(
            server.base_url + "/api/v1/statuses", data={"status": "due"}, headers=auth
        )

        assert response.status_code == 200
        assert server.published_texts() == ["due"]


def test_an_unknown_kind_or_fault_mode_is_refused():
    with pytest.raises(ValueError, match="whatsapp"):
        start_server("whatsapp")
    with start_server("x") as server, pytest.raises(ValueError):
        server.fail_next(1, "teapot")
