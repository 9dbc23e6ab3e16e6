"""The preview's text is what the network receives: per channel, the text shown to the approver
equals the text the local API server gets when the post is published."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.planning.enums import PostStatus
from apps.planning.models import Post, PostImage
from apps.planning.previews import previews_for_post
from apps.publishing.enums import DeliveryState as D
from apps.publishing.models import ChannelCredential
from apps.publishing.services import claim_due, schedule_deliveries, send_delivery
from tests.channel_servers import start_server
from tests.factories import ChannelFactory, PostFactory
from tests.planning.conftest import png_upload

pytestmark = pytest.mark.django_db
LINK = "https://www.comune.esempio.it/ponte"
TEXT = (
    "Il ponte di via Roma riapre lunedì 8 alle 6.\n"
    "Dalle 8 alle 18 resta il senso unico alternato. #ViaRoma #LavoriPubblici"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _published(kind: str, *, with_image: bool = False):
    """Publish one post on one channel of ``kind`` against its local server; return the
    preview the approver saw and the text the server received."""
    server = start_server(kind)
    try:
        channel = ChannelFactory(name=f"Comune · {kind}", kind=kind, config=server.config)
        ChannelCredential.objects.create(channel=channel, secret=server.token)
        post = PostFactory(
            base_text=TEXT,
            link=LINK,
            status=PostStatus.APPROVED,
            planned_at=timezone.now() - timedelta(minutes=1),
            channels=[channel],
        )
        if with_image:
            PostImage.objects.create(
                post=post, image=png_upload(), alt_text="Il ponte riaperto, visto dal fiume"
            )
        approved = Post.objects.prefetch_related("images").get(pk=post.pk)
        [preview] = previews_for_post(approved)
        schedule_deliveries(post=post)
        [outcome] = [send_delivery(delivery_id=pk) for pk in claim_due()]
        assert outcome.state == D.SENT, outcome
        return preview, server.published_texts()
    finally:
        server.stop()


@pytest.mark.parametrize("kind", ["x", "mastodon", "telegram", "facebook", "bluesky", "threads"])
def test_the_preview_text_is_the_text_the_network_receives(kind):
    preview, received = _published(kind)

    assert received == [preview.text]


def test_a_facebook_photo_post_carries_the_link_in_its_text_as_the_preview_shows():
    preview, received = _published("facebook", with_image=True)

    assert received == [f"{TEXT}\n\n{LINK}"] == [preview.text]
    assert preview.link_card == ""  # a photo has no link card


def test_a_facebook_post_without_image_shows_the_link_as_a_card_not_in_the_text():
    preview, received = _published("facebook")

    assert received == [TEXT] == [preview.text]
    assert (preview.link_card, preview.link_host) == (LINK, "www.comune.esempio.it")


def test_the_x_preview_counts_as_x_does():
    preview, received = _published("x")

    assert received == [f"{TEXT} {LINK}"]
    assert preview.length == len(TEXT) + 1 + 23  # the link weighs 23 (t.co)


@pytest.mark.parametrize("kind", ["bluesky", "threads"])
def test_without_images_the_link_is_the_card_the_preview_shows(kind):
    preview, received = _published(kind)

    assert received == [TEXT] == [preview.text]
    assert (preview.link_card, preview.link_host) == (LINK, "www.comune.esempio.it")


@pytest.mark.parametrize("kind", ["bluesky", "threads"])
def test_with_an_image_the_link_is_in_the_text_as_the_preview_shows(kind):
    preview, received = _published(kind, with_image=True)

    assert received == [f"{TEXT}\n\n{LINK}"] == [preview.text]
    assert preview.link_card == ""
    assert [image.alt_text for image in preview.images] == ["Il ponte riaperto, visto dal fiume"]


def test_an_x_post_with_an_image_shows_it_and_no_card():
    preview, received = _published("x", with_image=True)

    assert received == [f"{TEXT} {LINK}"] == [preview.text]
    assert preview.link_card == ""
    assert [image.alt_text for image in preview.images] == ["Il ponte riaperto, visto dal fiume"]
