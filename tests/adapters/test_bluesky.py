"""Bluesky: a post is an ``app.bsky.feed.post`` record whose links, mentions and hashtags are
facets spanning UTF-8 byte offsets; images go up as blobs with their alt text; the link is a
card without images and part of the text with them; 300 graphemes at most.
Against the local PDS (tests/channel_servers/bluesky.py); the error contract is shared
(test_error_contract.py)."""

import dataclasses

import pytest

from apps.publishing.adapters.base import ImagePayload, PermanentError, TransientError
from apps.publishing.adapters.bluesky import BlueskyAdapter, facets
from tests.channel_servers.bluesky import DID, KNOWN_HANDLES

KIND = "bluesky"
LINK = "https://www.comune.esempio.it/notizie/ponte"


@pytest.fixture
def adapter():
    return BlueskyAdapter()


def test_links_mentions_and_hashtags_span_the_right_bytes_after_accents_and_emoji(
    adapter, server, make_request
):
    text = (
        "Perché il ponte è chiuso? 🚧👷🏽‍♀️ Lo spiega @sindaco.bsky.social: "
        "https://www.comune.esempio.it/ponte. #ViaRoma #2024"
    )

    adapter.publish(make_request(text=text))

    [item] = server.items
    assert item["text"] == text
    assert server.facet_texts(item) == [
        ("@sindaco.bsky.social", KNOWN_HANDLES["sindaco.bsky.social"]),
        ("https://www.comune.esempio.it/ponte", "https://www.comune.esempio.it/ponte"),
        ("#ViaRoma", "ViaRoma"),  # #2024 has no letter: not a hashtag
    ]


def test_a_mention_that_does_not_resolve_stays_plain_text(adapter, server, make_request):
    adapter.publish(make_request(text="Grazie @nessuno.example.org per la segnalazione"))

    [item] = server.items
    assert server.facet_texts(item) == []
    assert server.requests_to("com.atproto.identity.resolveHandle", method="GET")


def test_an_address_and_a_hash_inside_a_link_are_not_mentions_or_hashtags():
    text = "Scrivi a info@comune.esempio.it o leggi www.comune.esempio.it/faq#orari (orari)."

    found = facets(text, resolve=lambda handle: pytest.fail(f"resolved {handle}"))

    data = text.encode()
    assert [
        (data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0])
        for f in found
    ] == [
        (
            "www.comune.esempio.it/faq#orari",
            {
                "$type": "app.bsky.richtext.facet#link",
                "uri": "https://www.comune.esempio.it/faq#orari",
            },
        )
    ]


def test_without_images_the_link_is_a_card_and_not_appended(adapter, server, make_request):
    adapter.publish(make_request(text="Il ponte riapre lunedì.", link=LINK, title="Ponte aperto"))

    [item] = server.items
    assert item["text"] == "Il ponte riapre lunedì."
    assert item["record"]["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {"uri": LINK, "title": "Ponte aperto", "description": ""},
    }
    assert item["record"]["langs"] == ["it"]
    assert item["record"]["createdAt"].endswith("Z")


def test_with_images_they_are_the_embed_with_alt_text_and_the_link_goes_in_the_text(
    adapter, server, make_request, image
):
    images = tuple(dataclasses.replace(image, alt_text=f"Foto {n} del ponte") for n in range(1, 6))

    adapter.publish(make_request(text="Il ponte riapre lunedì.", link=LINK, images=images))

    [item] = server.items
    assert item["text"] == f"Il ponte riapre lunedì.\n\n{LINK}"
    assert server.facet_texts(item) == [(LINK, LINK)]
    embed = item["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [i["alt"] for i in embed["images"]] == [f"Foto {n} del ponte" for n in range(1, 5)]
    assert all(i["aspectRatio"] == {"width": 1, "height": 1} for i in embed["images"])
    uploads = server.requests_to("com.atproto.repo.uploadBlob")
    assert len(uploads) == 4 and uploads[0].header("content-type") == "image/jpeg"


def test_an_image_over_a_megabyte_is_refused_before_anything_is_sent(
    adapter, server, make_request, tmp_path
):
    big = tmp_path / "grande.jpg"
    big.write_bytes(b"\xff" * 1_000_001)
    payload = ImagePayload(path=str(big), url="", alt_text="Una foto troppo grande")

    with pytest.raises(PermanentError, match="1000 kB"):
        adapter.publish(make_request(images=(payload,)))

    assert server.items == []


def test_300_graphemes_pass_even_when_they_are_more_code_points(adapter, server, make_request):
    flag_family = "👨‍👩‍👧"  # one grapheme, five code points
    adapter.publish(make_request(text=flag_family * 300))

    with pytest.raises(PermanentError, match="300"):
        adapter.publish(make_request(text="a" * 301))

    assert len(server.items) == 1


def test_an_access_token_that_lapsed_before_its_refresh_is_transient(adapter, server, make_request):
    server.expire_access_tokens()

    with pytest.raises(TransientError) as caught:
        adapter.publish(make_request())

    assert "scaduto" in str(caught.value) and caught.value.retry_after == 60
    assert server.items == []


def test_a_rejected_record_is_permanent_with_blueskys_words(adapter, server, make_request):
    with pytest.raises(PermanentError, match="InvalidRequest: Invalid repo"):
        adapter.publish(make_request(config={**server.config, "did": "did:plc:altro"}))


def test_the_post_url_and_delete(adapter, server, make_request):
    result = adapter.publish(make_request())

    rkey = result.external_id.rsplit("/", 1)[-1]
    assert result.external_id.startswith(f"at://{DID}/app.bsky.feed.post/")
    assert result.url == f"https://bsky.app/profile/{DID}/post/{rkey}"
    adapter.delete(external_id=result.external_id, config=server.config, secret=server.token)
    assert server.items == []


def test_verify_names_the_account(adapter, server):
    assert adapter.verify(config=server.config, secret=server.token) == "@comune.bsky.social"
