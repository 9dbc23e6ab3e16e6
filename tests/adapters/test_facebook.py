import dataclasses

import pytest

from apps.publishing.adapters.base import PermanentError
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


def test_several_images_are_one_multi_photo_post_with_each_alt_text(server, make_request, image):
    images = tuple(dataclasses.replace(image, alt_text=f"Foto {n} del ponte") for n in range(1, 13))
    link = "https://www.comune.esempio.it/ponte"

    adapter.publish(make_request(text="Il ponte riapre.", link=link, images=images))

    [item] = server.items
    assert [p["alt_text"] for p in item["photos"]] == [f"Foto {n} del ponte" for n in range(1, 11)]
    assert item["text"] == f"Il ponte riapre.\n\n{link}"  # no card beside photos
    uploads = [r for r in server.requests if r.path.endswith("/photos")]
    assert len(uploads) == 10 and all(r.field("published") == "false" for r in uploads)
