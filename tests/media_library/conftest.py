"""Files for the media library's tests, made on the spot: photos with Pillow (one with GPS
and orientation tags, as a phone writes them), videos with Debian's ffmpeg (lavfi testsrc)."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import UserFactory

# EXIF tags (Pillow's ExifTags): GPSInfo, Orientation, Make.
GPS_IFD, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores into its own folder, so that "nothing was stored" can be checked."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def jpeg_bytes(size=(64, 48), colour=(200, 30, 30), *, gps=False, orientation=None) -> bytes:
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[MAKE] = "Fotocamera Comune"
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        # 45°28'N 9°11'E: where the photo was taken, which the library must not leak.
        exif[GPS_IFD] = {1: "N", 2: (45.0, 28.0, 0.0), 3: "E", 4: (9.0, 11.0, 0.0)}
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def png_bytes(size=(64, 48), colour=(20, 120, 200, 255)) -> bytes:
    output = io.BytesIO()
    Image.new("RGBA", size, colour).save(output, format="PNG")
    return output.getvalue()


def upload(data: bytes, name="foto.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def video_bytes(tmp_path: Path, *, seconds=2, size="320x240", codec="libx264", gps=True) -> bytes:
    """A short MP4 made by ffmpeg, with a location in its metadata as a phone writes it."""
    target = tmp_path / f"clip-{seconds}-{size}-{codec}.mp4"
    args = [
        "ffmpeg", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate=10",
        "-c:v", codec, "-pix_fmt", "yuv420p",
    ]  # fmt: skip
    if gps:
        args += ["-metadata", "location=+45.4642+009.1900/", "-metadata", "title=Sagra"]
    subprocess.run([*args, str(target)], check=True, capture_output=True, timeout=60)
    return target.read_bytes()


@pytest.fixture
def needs_ffmpeg():
    """Video tests run for real: CI installs Debian's ffmpeg (scripts/ensure-services.sh)."""
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.fail("ffmpeg/ffprobe missing: apt-get install -y ffmpeg")


@pytest.fixture
def uploader(db):
    from apps.accounts.roles import Role

    return UserFactory(username="fotografa", role=Role.EDITOR)
