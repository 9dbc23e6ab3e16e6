"""Originals: published copies never carry EXIF or GPS; the upload as it came is kept only when
an administrator enables it (``MEDIA_KEEP_ORIGINALS``, off by default: then not one of its
bytes is stored), in a storage of its own that is never served, and downloaded by
administrators only."""

import io

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from apps.audit.models import AuditEntry
from apps.media_library import services
from apps.media_library.models import Asset
from tests.media_library.conftest import GPS_IFD, jpeg_bytes, stored_files, upload

pytestmark = pytest.mark.django_db

# 45°28'N 9°11'E as the fixture writes it.
GPS = {1: "N", 2: (45.0, 28.0, 0.0), 3: "E", 4: (9.0, 11.0, 0.0)}


@pytest.fixture
def originals_root(settings, tmp_path):
    root = tmp_path / "originals"
    settings.STORAGES = {
        **django_settings.STORAGES,
        "media_originals": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def _published_has_no_position(asset) -> None:
    with default_storage.open(asset.file.name, "rb") as handle:
        published = Image.open(io.BytesIO(handle.read()))
    assert published.getexif().get_ifd(GPS_IFD) == {}
    assert dict(published.getexif()) == {}


def test_by_default_the_original_is_not_kept_at_all(uploader, media_root, originals_root):
    assert django_settings.MEDIA_KEEP_ORIGINALS is False
    data = jpeg_bytes(gps=True)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the fixture has a position
    asset = services.add_asset(upload=upload(data), by=uploader, alt_text="Il campanile").asset
    assert asset.original_name == ""
    assert not originals_root.exists() or stored_files(originals_root) == []
    assert stored_files(media_root) == [asset.file.name]  # the cleaned copy only
    assert all(data not in path.read_bytes() for path in media_root.rglob("*") if path.is_file())
    _published_has_no_position(asset)


def test_when_enabled_the_original_is_kept_privately_with_its_position(
    uploader, media_root, originals_root, settings
):
    settings.MEDIA_KEEP_ORIGINALS = True
    data = jpeg_bytes(gps=True)
    asset = services.add_asset(upload=upload(data), by=uploader, alt_text="Il campanile").asset
    assert asset.original_name
    kept = originals_root / asset.original_name
    assert kept.read_bytes() == data  # byte for byte, GPS included
    assert Image.open(kept).getexif().get_ifd(GPS_IFD) == GPS
    assert stored_files(media_root) == [asset.file.name]  # nothing of it under MEDIA_ROOT
    assert not str(kept).startswith(str(media_root))
    _published_has_no_position(asset)  # the published copy is still clean


def test_only_administrators_download_the_original(
    client, admin_user, editor_client, uploader, originals_root, settings
):
    settings.MEDIA_KEEP_ORIGINALS = True
    data = jpeg_bytes(gps=True)
    asset = services.add_asset(upload=upload(data), by=uploader, alt_text="Il campanile").asset
    url = reverse("media_library:original", args=[asset.pk])
    assert editor_client.get(url).status_code == 403
    editor_page = editor_client.get(asset.get_absolute_url()).content.decode()
    assert url not in editor_page and "solo gli amministratori" in editor_page
    client.force_login(admin_user)
    assert url in client.get(asset.get_absolute_url()).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="media.original_downloaded").count() == 1


def test_an_asset_without_original_has_nothing_to_download(client, admin_user, uploader):
    asset = services.add_asset(upload=upload(jpeg_bytes()), by=uploader, alt_text="x").asset
    client.force_login(admin_user)
    assert client.get(reverse("media_library:original", args=[asset.pk])).status_code == 404


def test_replacing_and_deleting_remove_the_kept_original(
    uploader, originals_root, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_KEEP_ORIGINALS = True
    asset = services.add_asset(
        upload=upload(jpeg_bytes(gps=True)), by=uploader, alt_text="Il campanile"
    ).asset
    first = asset.original_name
    with django_capture_on_commit_callbacks(execute=True):
        services.replace_file(
            asset=asset, upload=upload(jpeg_bytes(colour=(1, 200, 1), gps=True)), by=uploader
        )
    assert asset.original_name != first
    assert stored_files(originals_root) == [asset.original_name]
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_asset(asset=asset, by=uploader)
    assert stored_files(originals_root) == []


def test_a_refused_upload_keeps_no_original(uploader, originals_root, settings):
    settings.MEDIA_KEEP_ORIGINALS = True
    with pytest.raises(services.AssetRefused):
        services.add_asset(upload=upload(b"not an image at all"), by=uploader)
    assert not originals_root.exists() or stored_files(originals_root) == []
    assert Asset.objects.count() == 0
