"""Uploading, cleaning, reusing and deleting assets, through the services."""

import datetime
import io
import json
import subprocess
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from apps.audit.models import AuditEntry
from apps.media_library import selectors, services
from apps.media_library.enums import AssetKind, Licence
from apps.media_library.models import Asset, PostAsset
from apps.planning.enums import PostStatus
from apps.planning.models import Post
from tests.factories import PostFactory
from tests.media_library.conftest import (
    GPS_IFD,
    MAKE,
    ORIENTATION,
    jpeg_bytes,
    png_bytes,
    stored_files,
    upload,
    video_bytes,
)

pytestmark = pytest.mark.django_db


def _stored_image(asset) -> Image.Image:
    with default_storage.open(asset.file.name, "rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_a_photo_with_gps_tags_is_stored_without_them(uploader):
    original = Image.open(io.BytesIO(jpeg_bytes(gps=True)))
    assert original.getexif().get_ifd(GPS_IFD)  # the fixture really carries a position

    added = services.add_asset(upload=upload(jpeg_bytes(gps=True)), by=uploader)

    stored = _stored_image(added.asset)
    assert dict(stored.getexif()) == {}
    assert stored.getexif().get_ifd(GPS_IFD) == {}
    assert MAKE not in stored.getexif()
    assert "exif" not in stored.info
    assert added.asset.kind == AssetKind.IMAGE
    assert (added.asset.width, added.asset.height) == (64, 48)


def test_the_orientation_is_applied_to_the_pixels(uploader):
    # Orientation 6: the camera was turned; the picture is shown rotated 90° clockwise.
    added = services.add_asset(upload=upload(jpeg_bytes(size=(64, 48), orientation=6)), by=uploader)
    stored = _stored_image(added.asset)
    assert stored.size == (48, 64)
    assert ORIENTATION not in stored.getexif()
    assert (added.asset.width, added.asset.height) == (48, 64)


def test_the_uploaders_file_name_is_never_kept(uploader, media_root):
    added = services.add_asset(
        upload=upload(jpeg_bytes(), name="../../etc/Sindaco in\x00piazza.jpg"), by=uploader
    )
    name = added.asset.file.name
    assert name.startswith("media_library/")
    assert "Sindaco" not in name and ".." not in name
    assert name.endswith(".jpg")
    assert stored_files(media_root) == [name]


def test_the_same_content_twice_offers_the_asset_already_stored(uploader, media_root):
    first = services.add_asset(upload=upload(jpeg_bytes()), by=uploader)
    second = services.add_asset(upload=upload(jpeg_bytes(), name="copia.jpg"), by=uploader)
    assert second.duplicate is True
    assert second.asset == first.asset
    assert Asset.objects.count() == 1
    assert stored_files(media_root) == [first.asset.file.name]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"GIF89a/*<script>alert(1)</script>*/", "non è un'immagine valida"),
        (b"%PDF-1.7\n", "non è un'immagine valida"),
        (jpeg_bytes()[:200], "non è un'immagine valida"),
    ],
    ids=["polyglot", "pdf", "truncated-jpeg"],
)
def test_files_that_are_not_images_are_refused_and_nothing_is_stored(
    uploader, media_root, data, message
):
    with pytest.raises(services.AssetRefused, match=message):
        services.add_asset(upload=upload(data), by=uploader)
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []
    assert not AuditEntry.objects.filter(action="media.uploaded").exists()


def test_a_decompression_bomb_is_refused_before_decoding(uploader, media_root, settings):
    settings.MAX_IMAGE_PIXELS = 1000
    with pytest.raises(services.AssetRefused, match="troppo grande in pixel"):
        services.add_asset(upload=upload(png_bytes(size=(100, 100)), name="x.png"), by=uploader)
    assert stored_files(media_root) == []


def test_an_image_over_the_size_limit_is_refused(uploader, media_root, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 100
    with pytest.raises(services.AssetRefused, match="Immagine troppo pesante: al massimo 0 MB"):
        services.add_asset(upload=upload(jpeg_bytes()), by=uploader)
    assert stored_files(media_root) == []


def test_a_failure_after_storing_removes_the_stored_file(uploader, media_root, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "record", broken)
    with pytest.raises(RuntimeError):
        services.add_asset(upload=upload(jpeg_bytes()), by=uploader)
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []


def test_upload_records_rights_tags_collection_and_the_audit_entry(uploader):
    added = services.add_asset(
        upload=upload(jpeg_bytes()),
        by=uploader,
        alt_text="  Piazza del Comune con le bancarelle  ",
        credits="Ufficio stampa",
        licence=Licence.OTHER,
        licence_other="Accordo con la Pro Loco",
        tag_names=["piazza", "Sagra ", "piazza"],
        collection_name="Sagra d'autunno 2026",
    )
    asset = added.asset
    assert asset.alt_text == "Piazza del Comune con le bancarelle"
    assert asset.licence_text == "Accordo con la Pro Loco"
    assert [t.name for t in asset.tags.all()] == ["Sagra", "piazza"]
    assert asset.collection.name == "Sagra d'autunno 2026"
    assert asset.uploaded_by == uploader
    entry = AuditEntry.objects.get(action="media.uploaded")
    assert entry.actor == uploader


# --- Video ---------------------------------------------------------------------------------


def _probe_tags(path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", str(path)],
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout)["format"].get("tags", {})


def test_a_video_is_probed_cleaned_and_given_a_poster(needs_ffmpeg, uploader, tmp_path):
    data = video_bytes(tmp_path, seconds=2, size="320x240")
    added = services.add_asset(
        upload=upload(data, name="clip.mov", content_type="video/quicktime"), by=uploader
    )
    asset = added.asset
    assert asset.kind == AssetKind.VIDEO
    assert (asset.width, asset.height, asset.codec) == (320, 240, "h264")
    assert asset.duration == pytest.approx(2.0, abs=0.2)
    assert asset.file.name.endswith(".mp4")
    tags = _probe_tags(default_storage.path(asset.file.name))
    assert "location" not in tags and "title" not in tags
    with default_storage.open(asset.poster.name, "rb") as handle:
        poster = Image.open(io.BytesIO(handle.read()))
        assert (poster.format, poster.size) == ("JPEG", (320, 240))


def test_a_video_longer_than_allowed_is_refused(needs_ffmpeg, uploader, tmp_path, settings):
    settings.MEDIA_MAX_VIDEO_SECONDS = 1
    data = video_bytes(tmp_path, seconds=3, gps=False)
    with pytest.raises(services.AssetRefused, match="Video troppo lungo: al massimo 0 minuti"):
        services.add_asset(upload=upload(data, name="v.mp4"), by=uploader)
    assert Asset.objects.count() == 0


def test_a_video_too_large_in_pixels_is_refused(needs_ffmpeg, uploader, tmp_path, settings):
    settings.MEDIA_MAX_VIDEO_SIDE = 200
    data = video_bytes(tmp_path, seconds=1, gps=False)
    with pytest.raises(
        services.AssetRefused, match="Video troppo grande: al massimo 200 pixel per lato"
    ):
        services.add_asset(upload=upload(data, name="v.mp4"), by=uploader)


def test_a_corrupt_video_is_refused_and_nothing_is_stored(
    needs_ffmpeg, uploader, tmp_path, media_root
):
    data = video_bytes(tmp_path, seconds=2, gps=False)
    broken = data[:64] + b"\x00" * 512  # the ftyp box, then nothing readable
    with pytest.raises(services.AssetRefused, match="non è un video MP4 o MOV valido"):
        services.add_asset(upload=upload(broken, name="v.mp4"), by=uploader)
    assert stored_files(media_root) == []


def test_a_video_over_the_size_limit_is_refused_before_probing(uploader, settings, media_root):
    settings.MEDIA_MAX_VIDEO_BYTES = 10
    fake = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100
    with pytest.raises(services.AssetRefused, match="Video troppo pesante"):
        services.add_asset(upload=upload(fake, name="v.mp4"), by=uploader)
    assert stored_files(media_root) == []


# --- Use in posts, deletion, replacement, rights ---------------------------------------------


def _asset(uploader, **fields):
    asset = services.add_asset(
        upload=upload(jpeg_bytes(colour=fields.pop("colour", (1, 2, 3)))),
        by=uploader,
        alt_text=fields.pop("alt_text", "Il municipio"),
    ).asset
    for name, value in fields.items():
        setattr(asset, name, value)
    asset.save()
    return asset


def test_an_asset_without_alt_text_cannot_be_attached(uploader):
    asset = _asset(uploader, alt_text="")
    post = PostFactory()
    with pytest.raises(services.AssetRefused, match="Manca il testo alternativo."):
        services.attach_asset(post=post, asset=asset, by=uploader)
    assert PostAsset.objects.count() == 0


def test_an_asset_whose_rights_expired_cannot_be_attached(uploader):
    yesterday = timezone.localdate() - timedelta(days=1)
    asset = _asset(uploader, rights_expire_on=yesterday)
    with pytest.raises(services.AssetRefused, match="I diritti d'uso sono scaduti il"):
        services.attach_asset(post=PostFactory(), asset=asset, by=uploader)


@pytest.mark.parametrize("status", [PostStatus.APPROVED, PostStatus.PAUSED])
def test_attaching_to_or_detaching_from_an_approved_post_is_refused(uploader, status):
    """The same rule as set_post_assets (one rule, one place): the reviewer's files stay."""
    kept, other = _asset(uploader), _asset(uploader, colour=(9, 9, 9), alt_text="Il parco")
    post = PostFactory()
    services.attach_asset(post=post, asset=kept, by=uploader)
    Post.objects.filter(pk=post.pk).update(status=status)
    post.refresh_from_db()
    with pytest.raises(services.AssetRefused, match="Il post è approvato"):
        services.attach_asset(post=post, asset=other, by=uploader)
    with pytest.raises(services.AssetRefused, match="Il post è approvato"):
        services.detach_asset(post=post, asset=kept, by=uploader)
    assert [use.asset for use in PostAsset.objects.filter(post=post)] == [kept]
    services.attach_asset(post=post, asset=kept, by=uploader)  # already there: no change


def test_attaching_twice_keeps_one_use(uploader):
    asset, post = _asset(uploader), PostFactory()
    first = services.attach_asset(post=post, asset=asset, by=uploader)
    second = services.attach_asset(post=post, asset=asset, by=uploader)
    assert first == second
    assert [use.post for use in selectors.uses_of(asset=asset)] == [post]


def test_deleting_an_asset_in_use_is_refused_with_its_posts(uploader, media_root):
    asset = _asset(uploader)
    later = PostFactory(title="Sagra", planned_at=timezone.now() + timedelta(days=5))
    sooner = PostFactory(title="Mercato", planned_at=timezone.now() + timedelta(days=1))
    services.attach_asset(post=later, asset=asset, by=uploader)
    services.attach_asset(post=sooner, asset=asset, by=uploader)

    with pytest.raises(services.AssetInUse) as refused:
        services.delete_asset(asset=asset, by=uploader)

    assert refused.value.posts == [sooner, later]
    assert Asset.objects.filter(pk=asset.pk).exists()
    assert asset.file.name in stored_files(media_root)


def test_deleting_an_unused_asset_removes_row_and_files_after_commit(
    uploader, media_root, django_capture_on_commit_callbacks
):
    asset = _asset(uploader)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_asset(asset=asset, by=uploader)
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []
    assert AuditEntry.objects.filter(action="media.deleted").count() == 1


def test_replacing_the_file_keeps_its_uses_and_texts(uploader):
    asset = _asset(uploader, caption="Prima versione")
    post = PostFactory()
    services.attach_asset(post=post, asset=asset, by=uploader)

    services.replace_file(
        asset=asset, upload=upload(jpeg_bytes(size=(80, 40), colour=(9, 9, 9))), by=uploader
    )

    asset.refresh_from_db()
    assert (asset.width, asset.height) == (80, 40)
    assert asset.caption == "Prima versione"
    assert [use.post for use in selectors.uses_of(asset=asset)] == [post]


def test_replacing_with_content_of_another_asset_is_refused(uploader):
    first = _asset(uploader, colour=(10, 10, 10))
    second = _asset(uploader, colour=(200, 200, 200))
    with pytest.raises(services.AssetRefused, match="già nella libreria"):
        services.replace_file(
            asset=second, upload=upload(jpeg_bytes(colour=(10, 10, 10))), by=uploader
        )
    assert first.content_hash != Asset.objects.get(pk=second.pk).content_hash


def test_posts_planned_after_the_rights_expiry_are_flagged(uploader):
    expiry = datetime.date(2027, 3, 31)
    asset = _asset(uploader, rights_expire_on=expiry)
    rome = timezone.get_current_timezone()
    before = PostFactory(planned_at=datetime.datetime(2027, 3, 31, 23, 30, tzinfo=rome))
    after = PostFactory(planned_at=datetime.datetime(2027, 4, 1, 0, 30, tzinfo=rome))
    cancelled = PostFactory(
        planned_at=datetime.datetime(2027, 5, 1, 9, 0, tzinfo=rome), status=PostStatus.CANCELLED
    )
    for post in (before, after, cancelled):
        PostAsset.objects.create(post=post, asset=asset)

    assert list(selectors.posts_after_rights_expiry(asset=asset)) == [after]
    assert list(selectors.posts_after_rights_expiry()) == [after]


def test_each_network_says_why_a_video_does_not_fit():
    from apps.media_library.networks import MB, NETWORKS, video_problems

    assert video_problems(NETWORKS["instagram"], size=10 * MB, seconds=2) == [
        "Instagram accetta video lunghi almeno 3 secondi."
    ]
    assert video_problems(NETWORKS["x"], size=600 * MB, seconds=200) == [
        "X accetta video fino a 512 MB.",
        "X accetta video lunghi al massimo 140 secondi.",
    ]
    assert video_problems(NETWORKS["telegram"], size=49 * MB, seconds=3600) == []


def test_a_heic_photo_is_refused_as_an_image_format_not_probed_as_video(uploader, media_root):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    with pytest.raises(services.AssetRefused, match="non è un'immagine valida"):
        services.add_asset(upload=upload(heic, name="IMG_0001.HEIC"), by=uploader)
    assert stored_files(media_root) == []
