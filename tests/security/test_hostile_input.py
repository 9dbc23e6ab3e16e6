"""Hostile input cannot stop the office: oversized texts, hostile links, polyglot images,
mailbox floods, formula cells. Each test reads as the rule it holds the app to."""

import io
import struct
import zlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.channels.enums import ChannelKind
from apps.core.validators import validate_web_url
from apps.events.models import Event, EventCategory
from apps.planning.models import Post, PostImage
from tests.factories import CategoryFactory, ChannelFactory

pytestmark = pytest.mark.django_db


# --- Live checks: the input is capped before any analysis -----------------------------------


def test_the_live_check_refuses_to_analyse_a_text_longer_than_a_post_can_be(
    editor_client, monkeypatch
):
    channel = ChannelFactory(kind=ChannelKind.X)
    analysed = []
    monkeypatch.setattr(
        "apps.planning.views.analyse_variant", lambda *args, **kw: analysed.append(args)
    )
    response = editor_client.post(
        reverse("planning:check_variant"),
        {"channel": channel.pk, f"variant_{channel.pk}": "." * 50_001 + "x"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert analysed == []
    assert "50002 caratteri su 280" in body
    assert "Testo oltre i 50.000 caratteri: non si può salvare" in body


def test_the_live_check_of_an_overlong_base_text_says_so_without_scoring_it(
    editor_client, monkeypatch
):
    analysed = []
    monkeypatch.setattr("apps.planning.views.analyse_base_text", lambda text: analysed.append(text))
    response = editor_client.post(
        reverse("planning:check_variant"), {"channel": "base", "base_text": "!" * 60_000}
    )
    body = response.content.decode()
    assert response.status_code == 200 and analysed == []
    assert "Testo oltre i 50.000 caratteri" in body


def test_an_eleven_megabyte_live_check_is_refused_before_it_is_read(editor_client, monkeypatch):
    channel = ChannelFactory(kind=ChannelKind.X)
    analysed = []
    monkeypatch.setattr(
        "apps.planning.views.analyse_variant", lambda *args, **kw: analysed.append(args)
    )
    response = editor_client.post(
        reverse("planning:check_variant"),
        f"channel={channel.pk}&variant_{channel.pk}=" + "." * 11 * 1024 * 1024,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400 and analysed == []


def test_a_text_at_the_cap_is_still_checked(editor_client):
    channel = ChannelFactory(kind=ChannelKind.X)
    response = editor_client.post(
        reverse("planning:check_variant"),
        {"channel": channel.pk, f"variant_{channel.pk}": "a" * 50_000},
    )
    body = response.content.decode()
    assert "50000 caratteri su 280" in body and "Testo troppo lungo" in body


# --- Links: only http and https, everywhere a URL is typed ----------------------------------

HOSTILE_LINKS = [
    "javascript:alert(document.cookie)",
    "JaVaScRiPt://comune.esempio.it/%0Aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "ftp://files.esempio.it/avviso.pdf",
    "file:///etc/passwd",
    "https://comune.esempio.it/\u202eavviso",
]


def _post_data(channel, **overrides) -> dict:
    data = {
        "title": "Chiusura anagrafe",
        "category": CategoryFactory(slug="ostile").pk,
        "planned_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "planned_time": "10:30",
        "channels": [channel.pk],
        "base_text": "Lunedì l'ufficio anagrafe resta chiuso.",
        "link": "",
        "notes": "",
        "nuove-TOTAL_FORMS": "0",
        "nuove-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_a_post_link_that_is_not_http_or_https_is_refused(editor_client, link):
    channel = ChannelFactory(kind=ChannelKind.FACEBOOK)
    response = editor_client.post(reverse("planning:post_create"), _post_data(channel, link=link))
    assert response.status_code == 200
    assert "link" in response.context["form"].errors
    assert "https://" in response.context["form"].errors["link"][0]
    assert Post.objects.count() == 0


def test_a_post_link_on_the_web_is_kept(editor_client):
    channel = ChannelFactory(kind=ChannelKind.FACEBOOK)
    data = _post_data(channel, link="www.comune.esempio.it/avvisi/anagrafe")
    assert editor_client.post(reverse("planning:post_create"), data).status_code == 302
    assert Post.objects.get().link == "https://www.comune.esempio.it/avvisi/anagrafe"


def _event_data(**overrides) -> dict:
    data = {
        "title": "Concerto di Natale",
        "category": EventCategory.objects.get(slug="cultura").pk,
        "description": "Coro e orchestra.",
        "start_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "start_time": "21:00",
        "end_time": "23:00",
        "location_name": "Teatro comunale",
        "published": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_an_event_link_that_is_not_http_or_https_is_refused(editor_client, link):
    response = editor_client.post("/eventi/gestione/nuovo/", _event_data(link=link))
    assert response.status_code == 200
    assert "link" in response.context["form"].errors
    assert Event.objects.count() == 0


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_the_shared_validator_refuses_every_other_scheme(link):
    with pytest.raises(ValidationError):
        validate_web_url(link)


def test_a_mailto_link_is_refused_like_every_scheme_but_http_and_https():
    with pytest.raises(ValidationError):
        validate_web_url("mailto:urp@comune.esempio.it")


def test_the_verified_public_address_of_a_send_is_http_or_https():
    from apps.publishing.forms import ResolveCheckForm

    form = ResolveCheckForm({"outcome": "sent", "url": "ftp://esempio.it/post/1"})
    assert "url" in form.errors
    form = ResolveCheckForm({"outcome": "sent", "url": "https://esempio.it/post/1"})
    assert form.is_valid()


# --- Text fields have a sane maximum length ---------------------------------------------------


@pytest.mark.parametrize(("field", "limit"), [("notes", 5_000), ("indispensable_reason", 1_000)])
def test_notes_and_the_indispensable_reason_have_a_maximum_length(approver_client, field, limit):
    # An approver: only approvers may mark a post indispensable.
    channel = ChannelFactory(kind=ChannelKind.FACEBOOK)
    data = _post_data(channel, is_indispensable="on", indispensable_reason="Strada chiusa.")
    data[field] = "x" * (limit + 1)
    response = approver_client.post(reverse("planning:post_create"), data)
    assert field in response.context["form"].errors
    assert Post.objects.count() == 0
    data[field] = "x" * limit
    assert approver_client.post(reverse("planning:post_create"), data).status_code == 302


def test_an_eleven_megabyte_note_is_refused_before_the_form_reads_it(editor_client):
    channel = ChannelFactory(kind=ChannelKind.FACEBOOK)
    data = _post_data(channel, notes="x" * 11 * 1024 * 1024)
    response = editor_client.post(reverse("planning:post_create"), data)
    assert response.status_code == 400
    assert Post.objects.count() == 0


def test_a_channel_guidance_and_a_category_description_have_a_maximum_length():
    from apps.channels.forms import ChannelForm
    from apps.planning.forms import CategoryForm

    channel = ChannelForm({"name": "X", "kind": ChannelKind.X, "guidance": "x" * 2_001})
    category = CategoryForm(
        {"name": "Avvisi", "slug": "avvisi", "description": "x" * 1_001, "colour": "#0066cc"}
    )
    assert "guidance" in channel.errors and "description" in category.errors


# --- CSV export: a formula behind leading spaces is still neutralised -------------------------


@pytest.mark.parametrize(
    "prefix",
    [" ", "   ", "\u00a0", "\n", "\r\n", "\t", "\u2003", "\u3000", "\u200b", "\ufeff", " \n\u00a0"],
)
@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_csv_cell_with_a_formula_after_leading_whitespace_is_neutralised(prefix, formula):
    from apps.audit.csv_export import safe_cell

    assert safe_cell(prefix + formula) == "'" + prefix + formula


@pytest.mark.parametrize("value", [" Testo normale", "\u00a0Via Roma 1", "\n", "   "])
def test_a_csv_cell_with_leading_whitespace_and_no_formula_is_unchanged(value):
    from apps.audit.csv_export import safe_cell

    assert safe_cell(value) == value


# --- Images: what is stored is pixels only ----------------------------------------------------

SCRIPT = b"<script>alert(document.domain)</script>"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _image_bytes(format="PNG", size=(12, 8), mode="RGB", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (0, 102, 204) if mode == "RGB" else 1).save(buffer, format, **save)
    return buffer.getvalue()


def _post_with_image(client, upload):
    channel = ChannelFactory(kind=ChannelKind.FACEBOOK)
    data = _post_data(
        channel,
        **{
            "nuove-TOTAL_FORMS": "1",
            "nuove-0-image": upload,
            "nuove-0-alt_text": "La facciata del municipio",
        },
    )
    return client.post(reverse("planning:post_create"), data)


def _stored_post_image() -> tuple[str, bytes]:
    image = PostImage.objects.get().image
    with image.open("rb") as stored:
        return image.name, stored.read()


def test_a_png_followed_by_html_is_stored_as_pixels_only(editor_client):
    upload = SimpleUploadedFile("foto.png", _image_bytes("PNG") + b"<html>" + SCRIPT)
    assert _post_with_image(editor_client, upload).status_code == 302
    name, stored = _stored_post_image()
    assert name.endswith(".png") and b"<script" not in stored and b"<html" not in stored
    assert Image.open(io.BytesIO(stored)).size == (12, 8)


def test_a_gif_javascript_polyglot_is_stored_as_pixels_only(editor_client):
    gif = _image_bytes("GIF", mode="P", comment=b"*/=1;alert(1)/*") + b";" + SCRIPT
    upload = SimpleUploadedFile("animazione.gif", gif)
    assert _post_with_image(editor_client, upload).status_code == 302
    name, stored = _stored_post_image()
    assert name.endswith(".gif") and stored.startswith(b"GIF8")
    assert b"alert" not in stored and b"<script" not in stored


def test_an_image_large_enough_to_be_spooled_to_disk_is_re_encoded_too(editor_client, settings):
    # Above FILE_UPLOAD_MAX_MEMORY_SIZE the upload is a temporary file, which storage moves
    # into place rather than copying: the re-encoded bytes must be in that file.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64
    upload = SimpleUploadedFile("foto.png", _image_bytes("PNG", size=(64, 64)) + SCRIPT)
    assert _post_with_image(editor_client, upload).status_code == 302
    assert SCRIPT not in _stored_post_image()[1]


def test_exif_is_stripped_after_its_orientation_is_applied(editor_client):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "Fotocamera del dipendente"  # make
    exif[0x8825] = {1: "N", 2: (45.0, 4.0, 0.0)}  # GPS position
    jpeg = _image_bytes("JPEG", size=(40, 20), exif=exif.tobytes())
    assert _post_with_image(editor_client, SimpleUploadedFile("foto.jpg", jpeg)).status_code == 302
    name, stored = _stored_post_image()
    image = Image.open(io.BytesIO(stored))
    assert name.endswith(".jpg") and image.size == (20, 40)
    assert not image.getexif() and b"Fotocamera" not in stored


def test_an_animated_gif_keeps_its_first_frame(editor_client):
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    upload = SimpleUploadedFile("animazione.gif", buffer.getvalue())
    assert _post_with_image(editor_client, upload).status_code == 302
    stored = Image.open(io.BytesIO(_stored_post_image()[1]))
    assert stored.format == "GIF" and getattr(stored, "n_frames", 1) == 1


def _png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"\0"))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idat + chunk(b"IEND", b"")


def test_a_74_byte_png_declaring_ten_thousand_by_ten_thousand_pixels_is_refused(editor_client):
    png = _png_declaring(10_000, 10_000)
    assert len(png) < 80
    response = _post_with_image(editor_client, SimpleUploadedFile("mappa.png", png))
    assert response.status_code == 200
    assert "troppo grande in pixel" in response.content.decode()
    assert Post.objects.count() == 0


def test_the_pixel_limit_comes_from_the_settings(editor_client, settings):
    settings.MAX_IMAGE_PIXELS = 12 * 8 - 1
    upload = SimpleUploadedFile("foto.png", _image_bytes("PNG", size=(12, 8)))
    response = _post_with_image(editor_client, upload)
    assert "troppo grande in pixel" in response.content.decode()
    assert PostImage.objects.count() == 0


def _event_with_image(client, upload):
    return client.post(
        "/eventi/gestione/nuovo/",
        _event_data(image=upload, image_alt="Locandina del concerto"),
    )


@pytest.mark.parametrize("name", ["locandina.eps", "locandina.pdf", "locandina.tif"])
def test_an_event_image_never_keeps_the_uploaders_extension(editor_client, name):
    upload = SimpleUploadedFile(name, _image_bytes("PNG") + SCRIPT)
    assert _event_with_image(editor_client, upload).status_code == 302
    image = Event.objects.get().image
    with image.open("rb") as stored:
        content = stored.read()
    assert image.name.endswith(".png") and SCRIPT not in content


@pytest.mark.parametrize("format", ["TIFF", "BMP"])
def test_an_event_image_is_one_of_the_formats_its_help_text_names(editor_client, format):
    """The event form's upload goes through the media library's checks (JPEG, PNG, GIF or
    WebP, as its help text says); anything else is a field error naming them."""
    upload = SimpleUploadedFile(f"locandina.{format.lower()}", _image_bytes(format))
    response = _event_with_image(editor_client, upload)
    assert response.status_code == 200
    assert "image" in response.context["form"].errors
    assert "JPEG, PNG, GIF, WebP" in response.context["form"].errors["image"][0]
    assert "JPEG, PNG, GIF o WebP" in str(response.context["form"].fields["image"].help_text)
    assert Event.objects.count() == 0


def test_an_event_image_declaring_too_many_pixels_is_refused(editor_client):
    upload = SimpleUploadedFile("mappa.png", _png_declaring(10_000, 10_000))
    response = _event_with_image(editor_client, upload)
    assert "image" in response.context["form"].errors
    assert Event.objects.count() == 0


def test_an_upload_request_over_the_limit_is_a_400_and_nothing_is_stored(editor_client, settings):
    settings.MAX_UPLOAD_REQUEST_BYTES = 4_000
    upload = SimpleUploadedFile("foto.png", _image_bytes("PNG", size=(64, 64)) + b"\0" * 5_000)
    response = _post_with_image(editor_client, upload)
    assert response.status_code == 400
    assert Post.objects.count() == 0 and PostImage.objects.count() == 0


def test_the_upload_limit_is_applied_from_the_declared_length_before_the_body_is_read(settings):
    from django.core.exceptions import RequestDataTooBig

    from apps.core.images import UploadSizeLimitHandler

    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

    settings.MAX_UPLOAD_REQUEST_BYTES = 1_000
    handler = UploadSizeLimitHandler()
    with pytest.raises(RequestDataTooBig):
        handler.handle_raw_input(Unreadable(), {}, 1_001, b"boundary")
    assert handler.handle_raw_input(Unreadable(), {}, 1_000, b"boundary") is None
