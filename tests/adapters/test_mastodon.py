from dataclasses import replace

import pytest

from apps.publishing.adapters.base import PermanentError, TransientError, UnknownOutcome
from apps.publishing.adapters.mastodon import MastodonAdapter
from tests.adapters.conftest import HANG_TIMEOUT, PATIENT, assert_secret_hidden

KIND = "mastodon"
adapter = MastodonAdapter()


def test_a_status_is_published_and_its_id_and_url_returned(server, make_request):
    result = adapter.publish(make_request())

    [status] = server.items
    assert result.external_id == status["id"]
    assert result.url == f"{server.base_url}/@comune/{status['id']}"
    assert status["text"].startswith("Lunedì 3 marzo")
    assert status["visibility"] == "public"


def test_the_request_carries_the_bearer_token_and_the_idempotency_key(server, make_request):
    request = make_request(idempotency_key="key-123")

    adapter.publish(request)

    [sent] = server.requests_to("/api/v1/statuses")
    assert sent.header("authorization") == f"Bearer {server.token}"
    assert sent.header("idempotency-key") == "key-123"
    assert sent.field("language") == "it"


def test_the_link_is_appended_to_the_text(server, make_request):
    adapter.publish(make_request(link="https://comune.esempio.it/anagrafe"))

    assert server.items[0]["text"].endswith("\n\nhttps://comune.esempio.it/anagrafe")


def test_a_resend_with_the_same_key_returns_the_same_status_without_a_duplicate(
    server, make_request
):
    request = make_request()

    first = adapter.publish(request)
    second = adapter.publish(request)

    assert first == second
    assert len(server.items) == 1
    assert adapter.can_reconcile is True


def test_images_are_uploaded_with_their_alt_text_before_the_status(server, make_request, image):
    result = adapter.publish(make_request(images=(image,)))

    [upload] = server.requests_to("/api/v2/media")
    assert upload.field("description") == image.alt_text
    assert upload.files["file"].data.startswith(b"\xff\xd8")
    [status] = server.items
    assert result.external_id == status["id"]
    assert [m["description"] for m in status["media_attachments"]] == [image.alt_text]


def test_text_over_the_limit_is_rejected_permanently(server, make_request):
    with pytest.raises(PermanentError) as caught:
        adapter.publish(make_request(text="a" * 501))

    assert caught.value.status == 422
    assert "character limit of 500" in str(caught.value)


def test_no_answer_after_sending_is_an_unknown_outcome_and_the_same_key_reconciles(
    server, make_request
):
    request = make_request(read_timeout=HANG_TIMEOUT)
    server.fail_next(1, "hang", after_processing=True)

    with pytest.raises(UnknownOutcome):
        adapter.publish(request)
    # What the engine does when it can reconcile: the same request (same key) again.
    result = adapter.publish(replace(request, config={**request.config, **PATIENT}))

    assert len(server.items) == 1
    assert result.external_id == server.items[0]["id"]


def test_delete_removes_the_status(server, make_request):
    result = adapter.publish(make_request())

    adapter.delete(external_id=result.external_id, config=server.config, secret=server.token)

    assert server.items == []
    assert server.requests[-1].method == "DELETE"


def test_the_token_never_appears_in_logs_or_errors(server, make_request, all_logs):
    errors = []
    for mode in ("500", "429", "hang"):
        server.fail_next(1, mode)
        with pytest.raises(Exception) as caught:
            adapter.publish(make_request(read_timeout=HANG_TIMEOUT))
        errors.append(caught.value)
    with pytest.raises(PermanentError) as caught:
        adapter.publish(make_request(secret=server.token + "x"))
    errors.append(caught.value)
    adapter.publish(make_request())

    assert_secret_hidden(server.token, all_logs, *errors)


def test_in_production_a_plain_http_service_is_refused_before_the_token_leaves(
    server, make_request, settings
):
    settings.PRODUCTION_MODE = True

    with pytest.raises(PermanentError, match="https"):
        adapter.publish(make_request())

    assert server.requests == []


def test_hand_edited_timeouts_fall_back_or_are_capped():
    from apps.publishing.adapters._http import timeout_for

    assert timeout_for({"read_timeout": "abc"}).read == 15.0
    assert timeout_for({"read_timeout": 600}).read == 30.0
    assert timeout_for({}).connect == 5.0


def test_an_image_still_processing_is_waited_for_before_the_status(
    server, make_request, image, monkeypatch
):
    monkeypatch.setattr("apps.publishing.adapters.mastodon.MEDIA_POLL_SECONDS", 0.01)
    server.media_processing = 2

    adapter.publish(make_request(images=(image,)))

    polls = [r for r in server.requests if r.method == "GET" and "/api/v1/media/" in r.path]
    assert len(polls) == 2
    assert len(server.items[0]["media_attachments"]) == 1


def test_an_image_that_never_finishes_processing_is_a_transient_error(
    server, make_request, image, monkeypatch
):
    monkeypatch.setattr("apps.publishing.adapters.mastodon.MEDIA_POLL_SECONDS", 0.01)
    server.media_processing = 99

    with pytest.raises(TransientError, match="elaborazione"):
        adapter.publish(make_request(images=(image,)))

    assert server.items == []


@pytest.mark.parametrize("base_url", ["ftp://social.example.it", "social.example.it", "http://"])
def test_a_malformed_service_address_is_a_permanent_configuration_error(make_request, base_url):
    with pytest.raises(PermanentError, match="indirizzo"):
        adapter.publish(make_request(config={"base_url": base_url}))
