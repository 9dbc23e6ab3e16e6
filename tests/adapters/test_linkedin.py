import dataclasses
from pathlib import Path

import pytest

from apps.publishing.adapters.base import PermanentError, TransientError
from apps.publishing.adapters.linkedin import LinkedInAdapter
from tests.adapters.conftest import assert_secret_hidden

KIND = "linkedin"
adapter = LinkedInAdapter()


def test_an_organization_post_is_created_and_the_urn_read_from_x_restli_id(server, make_request):
    result = adapter.publish(make_request(link="https://comune.esempio.it/bando"))

    [sent] = server.requests_to("/rest/posts")
    assert sent.header("linkedin-version") == "202411"
    assert sent.header("x-restli-protocol-version") == "2.0.0"
    assert sent.header("authorization") == f"Bearer {server.token}"
    assert sent.json["author"] == f"urn:li:organization:{server.organization_id}"
    assert sent.json["visibility"] == "PUBLIC"
    assert sent.json["lifecycleState"] == "PUBLISHED"
    assert sent.json["distribution"]["feedDistribution"] == "MAIN_FEED"
    assert sent.json["content"]["article"]["source"] == "https://comune.esempio.it/bando"
    urn = server.items[0]["id"]
    assert result.external_id == urn
    assert result.url == f"https://www.linkedin.com/feed/update/{urn}/"


def test_the_commentary_is_escaped_as_little_text_keeping_hashtags_and_links(server, make_request):
    text = "Sportello (URP) aperto: orari_estivi @ #ComuneInforma https://comune.it/a_(b)"

    adapter.publish(make_request(text=text))

    [sent] = server.requests_to("/rest/posts")
    assert sent.json["commentary"] == (
        r"Sportello \(URP\) aperto: orari\_estivi \@ #ComuneInforma https://comune.it/a_(b)"
    )


def test_the_version_can_be_set_per_channel(server, make_request):
    adapter.publish(make_request(config={**server.config, "linkedin_version": "202501"}))

    assert server.requests_to("/rest/posts")[0].header("linkedin-version") == "202501"


def test_posting_as_another_organization_is_refused_permanently(server, make_request):
    request = make_request(config={**server.config, "organization_id": "999"})

    with pytest.raises(PermanentError) as caught:
        adapter.publish(request)

    assert caught.value.status == 403
    assert "Not enough permissions" in str(caught.value)


def test_delete_sends_the_encoded_urn(server, make_request):
    result = adapter.publish(make_request())

    adapter.delete(external_id=result.external_id, config=server.config, secret=server.token)

    assert server.items == []
    assert server.requests[-1].path.startswith("/rest/posts/urn%3Ali%3Ashare%3A")


def test_the_token_never_appears_in_logs_or_errors(server, make_request, all_logs):
    server.fail_next(1, "500")
    with pytest.raises(TransientError) as caught:
        adapter.publish(make_request())

    assert_secret_hidden(server.token, all_logs, caught.value)


def test_one_image_is_uploaded_and_the_post_carries_it_with_its_alt_text_and_the_link_in_text(
    server, make_request, image
):
    link = "https://www.comune.esempio.it/ponte"

    adapter.publish(make_request(text="Il ponte riapre.", link=link, images=(image,)))

    [item] = server.items
    [urn] = server.images
    assert server.images[urn] == Path(image.path).read_bytes()
    assert item["body"]["content"] == {"media": {"id": urn, "altText": image.alt_text}}
    assert item["text"] == f"Il ponte riapre.\n\n{link}"  # no article card beside an image
    [put] = [r for r in server.requests if r.method == "PUT"]
    assert put.header("authorization") == f"Bearer {server.token}"


def test_several_images_are_a_multi_image_post_in_their_order(server, make_request, image):
    images = tuple(dataclasses.replace(image, alt_text=f"Foto {n}") for n in range(1, 4))

    adapter.publish(make_request(images=images))

    [item] = server.items
    content = item["body"]["content"]["multiImage"]["images"]
    assert [i["altText"] for i in content] == ["Foto 1", "Foto 2", "Foto 3"]
    assert [i["id"] for i in content] == list(server.images)


def test_an_upload_url_off_linkedin_is_refused_and_the_token_not_sent_there(
    server, make_request, image, monkeypatch
):
    original = server.handle

    def handle(request):
        reply = original(request)
        if request.path == "/rest/images":
            reply.body["value"]["uploadUrl"] = "https://evil.example/upload"
        return reply

    monkeypatch.setattr(server, "handle", handle)

    with pytest.raises(TransientError):
        adapter.publish(make_request(images=(image,)))

    assert server.items == []
    assert not [r for r in server.requests if r.method == "PUT"]
