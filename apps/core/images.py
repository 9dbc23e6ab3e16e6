"""Uploaded images are stored as pixels only.

Every upload is decoded by Pillow and encoded again in the format it claimed, so that what is
stored holds nothing the uploader wrote but pixels: a GIF/JavaScript polyglot, HTML after a
PNG's end, EXIF (GPS position, camera serial), comments and colour profiles are all gone. The
EXIF orientation is applied first, so a portrait photo stays upright. An animated GIF keeps its
first frame only (re-encoding every frame would multiply the work by the frame count).

Refused before any pixel is decoded: a file Pillow cannot read, a format the field does not
accept, and more pixels than ``settings.MAX_IMAGE_PIXELS`` (a 74-byte PNG can declare
10,000 × 10,000). The stored name is always ``<uuid>.<suffix of the format>``, never the
uploader's.
"""

import io
import uuid
import warnings

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

SUFFIX = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
LABEL = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "WebP"}
POST_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})

# Modes each format is written in; anything else is converted first.
_MODES = {
    "JPEG": ("RGB", "L"),
    "PNG": ("1", "L", "LA", "RGB", "RGBA"),
    "WEBP": ("RGB", "RGBA"),
    "GIF": ("P", "L"),
}
_SAVE_OPTIONS = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}, "PNG": {}, "GIF": {}}


class ImageRefused(ValueError):
    """The upload is not an acceptable image; the message is for the person who sent it."""


def _formats_text(formats) -> str:
    return ", ".join(LABEL[f] for f in SUFFIX if f in formats)


def _not_an_image(formats) -> ImageRefused:
    return ImageRefused(
        _("Il file non è un'immagine valida (sono ammessi %(formats)s).")
        % {"formats": _formats_text(formats)}
    )


def _too_many_pixels() -> ImageRefused:
    return ImageRefused(
        _(
            "Immagine troppo grande in pixel (al massimo %(mp)s milioni): riducila "
            "(ad esempio a 4000 × 4000) e riprova."
        )
        % {"mp": round(settings.MAX_IMAGE_PIXELS / 1_000_000, 1)}
    )


def _open(upload):
    """The Pillow image of an upload, refused on anything Pillow would warn or fail about."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(upload)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None


def inspect(upload, formats=POST_FORMATS) -> str:
    """The upload's format, after checking it by content and size in pixels (nothing decoded).

    Raises :class:`ImageRefused`.
    """
    try:
        with _open(upload) as image:
            kind = image.format
            width, height = image.size
            if width * height > settings.MAX_IMAGE_PIXELS:
                raise _too_many_pixels()
            image.verify()
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _not_an_image(formats) from None
    finally:
        upload.seek(0)
    if kind not in formats:
        raise ImageRefused(
            _("Formato non ammesso: usa %(formats)s.") % {"formats": _formats_text(formats)}
        )
    return kind


def reencoded(upload, formats=POST_FORMATS) -> tuple[bytes, str]:
    """The upload's pixels encoded again in its own format, and that format."""
    kind = inspect(upload, formats)
    try:
        with _open(upload) as image:
            image.seek(0)  # an animation: its first frame
            image.load()
            # A new image either way (turned, or a copy): it outlives the file being closed.
            pixels = ImageOps.exif_transpose(image)
            transparency = pixels.info.get("transparency")
    except ImageRefused:
        raise
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _not_an_image(formats) from None
    finally:
        upload.seek(0)
    pixels.info = {}  # no EXIF, comment, ICC profile or text chunk is carried over
    options = dict(_SAVE_OPTIONS[kind])
    output = io.BytesIO()
    try:
        if pixels.mode not in _MODES[kind]:
            has_alpha = pixels.mode in ("RGBA", "LA", "PA") or transparency is not None
            target = "RGBA" if has_alpha and "RGBA" in _MODES[kind] else "RGB"
            pixels = pixels.convert(target)
        elif isinstance(transparency, int):  # a palette or grey GIF's transparent index
            options["transparency"] = transparency
        pixels.save(output, format=kind, **options)
    except (OSError, ValueError):  # a mode Pillow cannot convert or write
        raise _not_an_image(formats) from None
    return output.getvalue(), kind


def reencode_in_place(upload, formats=POST_FORMATS) -> str:
    """Replace an uploaded file's content with its re-encoded pixels and its name with a random
    one; returns the new name. The same file object is kept, so that a temporary file on disk
    (which storage moves rather than copies) holds the new bytes too."""
    data, kind = reencoded(upload, formats)
    handle = upload.file
    handle.seek(0)
    handle.truncate()
    handle.write(data)
    handle.flush()
    handle.seek(0)
    upload.size = len(data)
    upload.content_type = Image.MIME[kind]
    upload.name = f"{uuid.uuid4().hex}.{SUFFIX[kind]}"
    return upload.name


class UploadSizeLimitHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: a multipart request whose declared length exceeds
    ``settings.MAX_UPLOAD_REQUEST_BYTES`` is a 400 before a byte of its body is read. (Each
    image's own limit, ``MAX_IMAGE_BYTES``, is the form's check, with a message beside the
    field and the rest of the form kept.)"""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.MAX_UPLOAD_REQUEST_BYTES:
            raise RequestDataTooBig("Upload larger than settings.MAX_UPLOAD_REQUEST_BYTES.")

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None
