import pytest

from apps.publishing.adapters.base import PermanentError, TransientError, UnknownOutcome
from apps.publishing.adapters.facebook import FacebookAdapter
from tests.adapters.conftest import HANG_TIMEOUT, assert_secret_hidden

KIND = "facebook"
adapter = FacebookAdapter()


def test_a_text_post_goes_to_the_page_feed_with_its_link(server, make_request):
    result = adapter.publish(make_request(link="https://comune.esempio.it/anagrafe"))

    [sent] = server.requests_to(f"/{server.page_id}/feed")
    assert sent.header("authorization") == f"Bearer {server.token}"
    assert sent.field("link") == "https://comune.esempio.it/anagrafe"
    assert "access_token" not in sent.query  # the token never travels in the URL
    [item] = server.items
    assert result.external_id == item["id"]
    assert result.url == f"https://www.facebook.com/{item['id']}"


def test_with_an_image_it_uploads_a_photo_and_returns_the_post_id(server, make_request, image):
    result = adapter.publish(make_request(images=(image,)))

    [sent] = server.requests_to(f"/{server.page_id}/photos")
    assert sent.files["source"].data.startswith(b"\xff\xd8")
    assert sent.field("message").startswith("Lunedì 3 marzo")
    assert result.external_id == server.items[0]["id"]


def test_an_invalid_token_is_permanent_with_the_graph_message(server, make_request):
    with pytest.raises(PermanentError) as caught:
        adapter.publish(make_request(secret="bad"))

    assert "Invalid OAuth access token" in str(caught.value)


def test_rate_limit_and_server_errors_are_transient(server, make_request):
    # A Page token's Business Use Case limit: HTTP 400, code 80001, the wait in minutes in
    # X-Business-Use-Case-Usage. A 400 must not be taken for rejected content here.
    server.fail_next(1, "429", retry_after=120)
    with pytest.raises(TransientError) as limited:
        adapter.publish(make_request())
    server.fail_next(1, "500")
    with pytest.raises(TransientError):
        adapter.publish(make_request())

    assert (limited.value.status, limited.value.retry_after) == (400, 120)
    assert server.items == []


def test_a_dropped_answer_is_an_unknown_outcome(server, make_request):
    server.fail_next(1, "drop", after_processing=True)

    with pytest.raises(UnknownOutcome):
        adapter.publish(make_request())


def test_a_missing_page_id_fails_before_any_request(server, make_request):
    with pytest.raises(PermanentError, match="page_id"):
        adapter.publish(make_request(config={"base_url": server.base_url}))

    assert server.requests == []


def test_delete_removes_the_post(server, make_request):
    result = adapter.publish(make_request())

    adapter.delete(external_id=result.external_id, config=server.config, secret=server.token)

    assert server.items == []


def test_the_page_token_never_appears_in_logs_or_errors(server, make_request, all_logs):
    errors = []
    for mode in ("500", "hang"):
        server.fail_next(1, mode)
        with pytest.raises(Exception) as caught:
            adapter.publish(make_request(read_timeout=HANG_TIMEOUT))
        errors.append(caught.value)

    assert_secret_hidden(server.token, all_logs, *errors)
