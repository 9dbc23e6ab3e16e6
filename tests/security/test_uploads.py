"""Uploaded images: type checked by content, size capped, never stored under a name a web
server would execute or render as HTML."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.planning.models import Post, PostImage
from tests.factories import CategoryFactory, ChannelFactory

pytestmark = pytest.mark.django_db

SAFE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}


def _png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 102, 204)).save(buffer, format="PNG")
    return buffer.getvalue()


def _post_with(client, upload):
    channel = ChannelFactory(name="Facebook · Comune")
    data = {
        "title": "Foto del municipio",
        "category": CategoryFactory(slug="sicurezza-upload").pk,
        "planned_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "planned_time": "10:30",
        "channels": [channel.pk],
        "base_text": "Il municipio restaurato apre al pubblico sabato.",
        "nuove-TOTAL_FORMS": "1",
        "nuove-INITIAL_FORMS": "0",
        "nuove-0-image": upload,
        "nuove-0-alt_text": "La facciata del municipio",
    }
    return client.post(reverse("planning:post_create"), data)


def test_a_php_script_renamed_jpg_is_refused(editor_client):
    upload = SimpleUploadedFile(
        "foto.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg"
    )
    response = _post_with(editor_client, upload)
    assert response.status_code == 200
    assert "non è un&#x27;immagine valida" in response.content.decode()
    assert Post.objects.count() == 0


def test_an_svg_with_script_is_refused(editor_client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = _post_with(editor_client, SimpleUploadedFile("logo.svg", svg, "image/svg+xml"))
    assert response.status_code == 200
    assert PostImage.objects.count() == 0


def test_an_oversize_image_is_refused_with_a_message(editor_client, settings):
    settings.MAX_IMAGE_BYTES = 1024
    big = _png_bytes(size=(600, 600))
    assert len(big) > 1024
    response = _post_with(editor_client, SimpleUploadedFile("grande.png", big, "image/png"))
    assert response.status_code == 200
    assert "Immagine troppo grande" in response.content.decode()
    assert Post.objects.count() == 0


# A PNG/HTML polyglot named .html must not be served as HTML by the web server in front of
# /media/: planning stores every image as "<uuid>.<suffix of the format Pillow detected>".
@pytest.mark.parametrize("name", ["pagina.html", "script.php", "immagine.png.php"])
def test_a_real_image_is_never_stored_under_an_executable_or_html_name(editor_client, name):
    response = _post_with(editor_client, SimpleUploadedFile(name, _png_bytes(), "image/png"))
    stored = PostImage.objects.first()
    if stored is None:  # refused outright: also safe
        assert response.status_code == 200
        return
    suffix = "." + stored.image.name.rsplit(".", 1)[-1].lower()
    assert suffix in SAFE_SUFFIXES, f"stored as {stored.image.name}"
