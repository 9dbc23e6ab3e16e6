"""A post's library images go out with it: after the post's own images, each with the asset's
alt text, as bytes received by a local Mastodon API (real adapter, real HTTP)."""

from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage, default_storage

from apps.channels.enums import ChannelKind
from apps.media_library import services as library
from apps.planning.enums import PostStatus
from apps.planning.models import Post, PostImage
from apps.publishing import services
from apps.publishing.adapters.mastodon import MastodonAdapter
from apps.publishing.models import ChannelCredential, Delivery
from tests.channel_servers import start_server
from tests.factories import ChannelFactory, PostFactory, UserFactory
from tests.media_library.conftest import jpeg_bytes, png_bytes, upload
from tests.planning.conftest import png_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def mastodon():
    server = start_server("mastodon")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh(mastodon, settings, tmp_path):
    mastodon.reset()
    settings.MEDIA_ROOT = tmp_path / "media"


def _approve(post):
    """As the approval does (the library files are chosen before it, then kept)."""
    Post.objects.filter(pk=post.pk).update(status=PostStatus.APPROVED)
    post.refresh_from_db()


def test_library_images_are_sent_after_the_posts_own_with_their_alt_text(mastodon):
    channel = ChannelFactory(
        kind=ChannelKind.MASTODON, config={**mastodon.config, "read_timeout": 3.0}
    )
    ChannelCredential.objects.create(channel=channel, secret=mastodon.token)
    post = PostFactory(status=PostStatus.IN_REVIEW, channels=[channel])
    own = PostImage.objects.create(post=post, image=png_upload(), alt_text="Il ponte sul fiume")
    by = UserFactory()
    photo = library.add_asset(
        upload=upload(jpeg_bytes(colour=(10, 120, 30))), by=by, alt_text="Il parco comunale"
    ).asset
    drawing = library.add_asset(
        upload=upload(png_bytes(), name="mappa.png", content_type="image/png"),
        by=by,
        alt_text="Mappa del percorso della sagra",
    ).asset
    library.set_post_assets(post=post, asset_ids=[drawing.pk, photo.pk], by=by)
    _approve(post)
    services.schedule_deliveries(post=post)
    delivery = Delivery.objects.get(variant__post=post)

    request = services.build_publish_request(delivery)
    MastodonAdapter().publish(request)

    uploads = mastodon.requests_to("/api/v2/media")
    assert [u.field("description") for u in uploads] == [
        "Il ponte sul fiume",
        "Mappa del percorso della sagra",
        "Il parco comunale",
    ]
    with default_storage.open(drawing.file.name, "rb") as handle:
        drawing_bytes = handle.read()
    with default_storage.open(photo.file.name, "rb") as handle:
        photo_bytes = handle.read()
    assert [u.files["file"].data for u in uploads] == [
        own.image.read(),
        drawing_bytes,
        photo_bytes,
    ]
    assert [i.content_type for i in request.images] == ["image/jpeg", "image/png", "image/jpeg"]
    [status] = mastodon.items
    assert [m["description"] for m in status["media_attachments"]] == [
        "Il ponte sul fiume",
        "Mappa del percorso della sagra",
        "Il parco comunale",
    ]


def test_an_up_to_date_rendition_for_the_network_is_sent_instead_of_the_original(mastodon):
    channel = ChannelFactory(
        kind=ChannelKind.MASTODON, config={**mastodon.config, "read_timeout": 3.0}
    )
    ChannelCredential.objects.create(channel=channel, secret=mastodon.token)
    post = PostFactory(status=PostStatus.IN_REVIEW, channels=[channel])
    by = UserFactory()
    photo = library.add_asset(
        upload=upload(jpeg_bytes(size=(300, 200))), by=by, alt_text="La piazza"
    ).asset
    library.make_renditions(asset_id=photo.pk)
    rendition = photo.renditions.get(network=ChannelKind.MASTODON)
    library.set_post_assets(post=post, asset_ids=[photo.pk], by=by)
    _approve(post)
    services.schedule_deliveries(post=post)

    request = services.build_publish_request(Delivery.objects.get(variant__post=post))

    assert [(i.path, i.alt_text) for i in request.images] == [(rendition.file.name, "La piazza")]


def test_images_are_read_through_the_storage_api_not_from_a_local_path(mastodon, settings):
    """In production the files are in S3: nothing on the worker's disk. A storage with no
    filesystem at all (Django's InMemoryStorage) must send the same bytes."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    channel = ChannelFactory(
        kind=ChannelKind.MASTODON, config={**mastodon.config, "read_timeout": 3.0}
    )
    ChannelCredential.objects.create(channel=channel, secret=mastodon.token)
    post = PostFactory(status=PostStatus.IN_REVIEW, channels=[channel])
    own = PostImage.objects.create(post=post, image=png_upload(), alt_text="Il ponte sul fiume")
    by = UserFactory()
    photo = library.add_asset(
        upload=upload(jpeg_bytes(size=(300, 200))), by=by, alt_text="La piazza"
    ).asset
    library.make_renditions(asset_id=photo.pk)
    library.set_post_assets(post=post, asset_ids=[photo.pk], by=by)
    _approve(post)
    services.schedule_deliveries(post=post)
    assert isinstance(default_storage._wrapped, InMemoryStorage)
    assert not Path(default_storage.path(photo.file.name)).exists()  # nothing on disk

    request = services.build_publish_request(Delivery.objects.get(variant__post=post))
    MastodonAdapter().publish(request)

    rendition = photo.renditions.get(network=ChannelKind.MASTODON)
    with default_storage.open(own.image.name, "rb") as handle:
        own_bytes = handle.read()
    with default_storage.open(rendition.file.name, "rb") as handle:
        rendition_bytes = handle.read()
    uploads = mastodon.requests_to("/api/v2/media")
    assert [u.files["file"].data for u in uploads] == [own_bytes, rendition_bytes]
