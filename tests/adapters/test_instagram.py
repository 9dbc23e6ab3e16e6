import pytest

from apps.publishing.adapters.base import PermanentError, TransientError
from apps.publishing.adapters.instagram import InstagramAdapter
from tests.adapters.conftest import HANG_TIMEOUT, assert_secret_hidden

KIND = "instagram"
adapter = InstagramAdapter()


def test_it_creates_a_container_then_publishes_it_and_returns_the_permalink(
    server, make_request, image
):
    result = adapter.publish(make_request(images=(image,)))

    [container] = server.requests_to(f"/{server.ig_user_id}/media")
    assert container.field("image_url") == image.url
    assert container.field("alt_text") == image.alt_text
    assert container.field("caption").startswith("Lunedì 3 marzo")
    [publish] = server.requests_to(f"/{server.ig_user_id}/media_publish")
    assert publish.field("creation_id") in server.containers
    [item] = server.items
    assert result.external_id == item["id"]
    assert result.url == item["permalink"]


def test_a_post_without_an_image_is_refused_before_any_request(server, make_request):
    with pytest.raises(PermanentError, match="immagine"):
        adapter.publish(make_request())

    assert server.requests == []


def test_more_than_30_hashtags_are_refused(server, make_request, image):
    text = " ".join(f"#Tag{n}" for n in range(31))

    with pytest.raises(PermanentError, match="hashtag"):
        adapter.publish(make_request(text=text, images=(image,)))


def test_a_lost_answer_while_creating_the_container_is_only_transient(server, make_request, image):
    server.fail_next(1, "hang")

    with pytest.raises(TransientError):
        adapter.publish(make_request(read_timeout=HANG_TIMEOUT, images=(image,)))

    assert server.items == []


def test_media_not_ready_yet_is_transient_and_publishes_nothing(server, make_request, image):
    server.media_not_ready = 1

    with pytest.raises(TransientError) as caught:
        adapter.publish(make_request(images=(image,)))

    assert "Media ID is not available" in str(caught.value)
    assert caught.value.retry_after == 10
    assert server.items == []


def test_the_token_never_appears_in_logs_or_errors(server, make_request, image, all_logs):
    server.fail_next(1, "500")
    with pytest.raises(TransientError) as caught:
        adapter.publish(make_request(images=(image,)))
    adapter.publish(make_request(images=(image,)))

    assert_secret_hidden(server.token, all_logs, caught.value)
