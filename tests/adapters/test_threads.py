"""Threads: a container, then threads_publish; text posts carry the link as a card, image
posts an alt text, several images a carousel (the link then in the text); the container is
polled until FINISHED. Against tests/channel_servers/threads.py; errors in test_error_contract."""

import dataclasses

import pytest

from apps.publishing.adapters.base import PermanentError, TransientError
from apps.publishing.adapters.threads import ThreadsAdapter
from tests.channel_servers.threads import USERNAME

KIND = "threads"
LINK = "https://www.comune.esempio.it/ponte"


@pytest.fixture
def adapter():
    return ThreadsAdapter()


def test_a_text_post_carries_the_link_as_its_card(adapter, server, make_request):
    result = adapter.publish(make_request(text="Il ponte riapre lunedì.", link=LINK))

    [item] = server.items
    assert (item["media_type"], item["text"], item["link_attachment"]) == (
        "TEXT",
        "Il ponte riapre lunedì.",
        LINK,
    )
    assert result.url == f"https://www.threads.net/@{USERNAME}/post/{result.external_id}"


def test_one_image_is_an_image_post_with_its_alt_text_and_the_link_in_the_text(
    adapter, server, make_request, image
):
    adapter.publish(make_request(text="Il ponte riapre lunedì.", link=LINK, images=(image,)))

    [item] = server.items
    assert item["media_type"] == "IMAGE"
    assert item["text"] == f"Il ponte riapre lunedì.\n\n{LINK}"
    assert item["images"] == [{"url": image.url, "alt_text": image.alt_text}]


def test_several_images_are_a_carousel_in_their_order(adapter, server, make_request, image):
    images = tuple(
        dataclasses.replace(image, url=f"https://comune.esempio.it/m/{n}.jpg", alt_text=f"Foto {n}")
        for n in range(1, 4)
    )

    adapter.publish(make_request(images=images))

    [item] = server.items
    assert item["media_type"] == "CAROUSEL"
    assert [i["alt_text"] for i in item["images"]] == ["Foto 1", "Foto 2", "Foto 3"]


def test_a_container_still_processing_is_waited_for(adapter, server, make_request):
    server.processing_polls = 2

    adapter.publish(make_request())

    assert len(server.items) == 1
    polls = [r for r in server.requests if r.field("fields") == "status,error_message"]
    assert len(polls) == 3  # IN_PROGRESS twice, then FINISHED


def test_a_container_that_never_finishes_is_transient_and_publishes_nothing(
    adapter, server, make_request, monkeypatch
):
    monkeypatch.setattr("apps.publishing.adapters.threads.STATUS_POLL_SECONDS", 0.01)
    server.processing_polls = 99

    with pytest.raises(TransientError, match="elaborazione"):
        adapter.publish(make_request())

    assert server.items == []


def test_over_500_characters_is_refused_before_any_request(adapter, server, make_request):
    with pytest.raises(PermanentError, match="500"):
        adapter.publish(make_request(text="a" * 501))

    assert server.requests == []


def test_verify_names_the_account(adapter, server):
    assert adapter.verify(config=server.config, secret=server.token) == f"@{USERNAME}"
