import hashlib
import hmac
import json
import time
from dataclasses import replace

import pytest

from apps.publishing.adapters.base import PermanentError, TransientError, UnknownOutcome
from apps.publishing.adapters.webhook import WebhookAdapter
from tests.adapters.conftest import HANG_TIMEOUT, PATIENT, assert_secret_hidden

KIND = "webhook"
adapter = WebhookAdapter()


def test_the_json_body_is_signed_with_hmac_sha256_of_the_raw_body(server, make_request):
    result = adapter.publish(make_request(idempotency_key="k-1", link="https://comune.it/x"))

    [sent] = server.requests_to("/hooks/pa-planner")
    expected = hmac.new(server.token.encode(), sent.body, hashlib.sha256).hexdigest()
    assert sent.header("x-pa-planner-signature") == f"sha256={expected}"
    assert sent.header("idempotency-key") == "k-1"
    assert abs(int(sent.header("x-pa-planner-timestamp")) - time.time()) < 5
    payload = json.loads(sent.body)
    assert payload["sent_at"] == sent.header("x-pa-planner-timestamp")
    assert payload["text"].startswith("Lunedì 3 marzo")
    assert payload["link"] == "https://comune.it/x"
    assert result.external_id == server.items[0]["id"]
    assert result.url == f"{server.base_url}/news/{result.external_id}"


def test_a_resend_with_the_same_key_is_one_item_at_the_receiver(server, make_request):
    request = make_request(read_timeout=HANG_TIMEOUT)
    server.fail_next(1, "hang", after_processing=True)

    with pytest.raises(UnknownOutcome):
        adapter.publish(request)
    result = adapter.publish(replace(request, config={**request.config, **PATIENT}))

    assert len(server.items) == 1
    assert result.external_id == server.items[0]["id"]


def test_the_secret_never_appears_in_logs_errors_or_the_body(server, make_request, all_logs):
    server.fail_next(1, "500")
    with pytest.raises(TransientError) as caught:
        adapter.publish(make_request())
    adapter.publish(make_request())

    assert all(server.token.encode() not in r.body for r in server.requests)
    assert_secret_hidden(server.token, all_logs, caught.value)


def test_in_production_the_receiver_must_be_https(server, make_request, settings):
    settings.PRODUCTION_MODE = True

    with pytest.raises(PermanentError, match="https"):
        adapter.publish(make_request())

    assert server.requests == []
