"""Uploads are never rendered by the browser as a page: nosniff on every file, and videos and
captions served as attachments (the site's <video> and <track> still play them), from the
development server and from S3 alike (apps/core/media_files.py)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory

from apps.core.media_files import MediaS3Storage, content_disposition
from apps.core.views import serve_media


@pytest.mark.parametrize(
    "name, expected",
    [
        ("media_library/2026/12/abc.jpg", None),
        ("media_library/2026/12/abc.png", None),
        ("media_library/2026/12/abc.mp4", 'attachment; filename="abc.mp4"'),
        ("media_library/2026/12/abc-it.vtt", 'attachment; filename="abc-it.vtt"'),
        ("media_library/2026/12/abc.svg", 'attachment; filename="abc.svg"'),
        ("posts/2026/12/senza-suffisso", 'attachment; filename="senza-suffisso"'),
    ],
)
def test_what_is_not_an_image_is_an_attachment(name, expected):
    assert content_disposition(name) == expected


@pytest.mark.parametrize(
    "name, disposition, content_type",
    [
        ("clip.mp4", 'attachment; filename="clip.mp4"', "video/mp4"),
        ("clip-it.vtt", 'attachment; filename="clip-it.vtt"', "text/vtt"),
        ("foto.jpg", "inline", "image/jpeg"),
    ],
)
def test_the_development_server_sends_the_headers_the_proxy_sends(
    settings, tmp_path, name, disposition, content_type
):
    settings.MEDIA_ROOT = tmp_path
    stored = default_storage.save(f"media_library/{name}", ContentFile(b"\x00\x00\x00 ftypisom"))
    response = serve_media(RequestFactory().get("/media/x"), stored, document_root=tmp_path)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    if disposition == "inline":
        assert response["Content-Disposition"].startswith("inline;")
    else:
        assert response["Content-Disposition"] == disposition
    assert response["Content-Type"] == content_type


def test_s3_objects_are_stored_with_their_disposition_and_type():
    storage = MediaS3Storage(bucket_name="comune-media", access_key="k", secret_key="s")
    video = storage._get_write_parameters("media_library/2026/12/abc.mp4")
    assert video["ContentDisposition"] == 'attachment; filename="abc.mp4"'
    assert video["ContentType"] == "video/mp4"
    image = storage._get_write_parameters("media_library/2026/12/abc.jpg")
    assert "ContentDisposition" not in image
    assert image["ContentType"] == "image/jpeg"
