import dataclasses
import time
from pathlib import Path

import pytest

from apps.publishing.adapters.base import PermanentError, TransientError
from apps.publishing.adapters.x import XAdapter
from tests.adapters.conftest import assert_secret_hidden

KIND = "x"
adapter = XAdapter()


def test_a_post_is_created_with_json_text_and_its_url_returned(server, make_request):
    result = adapter.publish(make_request(text="Anagrafe chiusa lunedì 3 marzo."))

    [sent] = server.requests_to("/2/tweets")
    assert sent.json == {"text": "Anagrafe chiusa lunedì 3 marzo."}
    assert sent.header("authorization") == f"Bearer {server.token}"
    tweet_id = server.items[0]["id"]
    assert result.external_id == tweet_id
    assert result.url == f"https://x.com/i/web/status/{tweet_id}"


def test_text_over_280_characters_is_refused_before_sending(server, make_request):
    with pytest.raises(PermanentError, match="280"):
        adapter.publish(make_request(text="a" * 281))

    assert server.requests == []


def test_a_long_link_counts_as_23_characters_like_on_x(server, make_request):
    link = "https://www.comune.esempio.it/" + "notizie/" * 20
    text = "a" * 250

    adapter.publish(make_request(text=text, link=link))

    assert server.items[0]["text"] == f"{text} {link}"


def test_duplicate_content_is_a_permanent_error_with_the_detail(server, make_request):
    adapter.publish(make_request(text="Uguale"))

    with pytest.raises(PermanentError) as caught:
        adapter.publish(make_request(text="Uguale"))

    assert caught.value.status == 403
    assert "duplicate content" in str(caught.value)


def test_delete_removes_the_post(server, make_request):
    result = adapter.publish(make_request())

    adapter.delete(external_id=result.external_id, config=server.config, secret=server.token)

    assert server.items == []


def test_the_token_never_appears_in_logs_or_errors(server, make_request, all_logs):
    server.fail_next(1, "429")
    with pytest.raises(TransientError) as caught:
        adapter.publish(make_request(text=f"testo {time.time()}"))

    assert_secret_hidden(server.token, all_logs, caught.value)


def test_images_go_up_in_chunks_with_their_alt_text_and_the_post_carries_them(
    server, make_request, image, tmp_path, monkeypatch
):
    monkeypatch.setattr("apps.publishing.adapters.x.CHUNK_BYTES", 64)  # several segments
    big = tmp_path / "grande.jpg"
    big.write_bytes(bytes(range(256)) * 2)
    images = (
        image,
        dataclasses.replace(image, path=str(big), alt_text="Il ponte visto dal fiume"),
        *(dataclasses.replace(image, alt_text=f"Foto {n}") for n in (3, 4, 5)),
    )

    adapter.publish(make_request(text="Il ponte riapre.", images=images))

    [item] = server.items
    assert [i["alt"] for i in item["images"]] == [
        image.alt_text,
        "Il ponte visto dal fiume",
        "Foto 3",
        "Foto 4",
    ]  # X takes four: the fifth is not sent
    assert item["images"][1]["data"] == big.read_bytes()  # the segments, reassembled in order
    appends = [r for r in server.requests if r.path.endswith("/append")]
    sizes = [Path(i.path).stat().st_size for i in images[:4]]
    assert len(appends) == sum(-(-size // 64) for size in sizes)  # 64-byte segments
    [sent] = server.requests_to("/2/tweets")
    assert len(sent.json["media"]["media_ids"]) == 4


def test_an_image_over_5_mb_is_refused_before_the_post(server, make_request, image, tmp_path):
    big = tmp_path / "enorme.jpg"
    big.write_bytes(b"\0" * (5 * 1024 * 1024 + 1))

    with pytest.raises(PermanentError, match="5 MB"):
        adapter.publish(make_request(images=(dataclasses.replace(image, path=str(big)),)))

    assert server.items == []


def test_a_failed_upload_is_transient_and_posts_nothing(server, make_request, image):
    server.fail_next(1, "500", on_path="/finalize")

    with pytest.raises(TransientError):
        adapter.publish(make_request(images=(image,)))

    assert server.items == []
