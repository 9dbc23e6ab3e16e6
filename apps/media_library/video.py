"""Video checks with Debian's ffmpeg: ``ffprobe`` reads what the file is, ``ffmpeg`` copies its
streams into a clean MP4 (no container metadata: a phone's MOV carries the GPS position) and
extracts a poster frame. Each call has a timeout; a file ffprobe cannot read is refused."""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

# ffprobe's format names for MP4 and QuickTime (MOV) files.
ACCEPTED_FORMATS = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}
ACCEPTED_CODECS = {"h264", "hevc", "vp9", "av1", "mpeg4"}
PROBE_SECONDS = 30
REMUX_SECONDS = 300


class VideoRefused(ValueError):
    """The upload is not an acceptable video; the message is for the person who sent it."""


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    duration: float
    codec: str


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise VideoRefused(
            _("Il controllo dei video non è disponibile sul server (manca ffmpeg).")
        ) from None
    except subprocess.TimeoutExpired:
        raise VideoRefused(_("Il video non si riesce a leggere in tempo: è danneggiato?")) from None


def probe(path: Path) -> VideoInfo:
    """What the file is, by its content; refused unless it is an MP4/MOV with a video stream
    within the configured duration and size."""
    result = _run(
        [
            settings.FFPROBE,
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        PROBE_SECONDS,
    )
    not_a_video = VideoRefused(_("Il file non è un video MP4 o MOV valido."))
    if result.returncode != 0:
        raise not_a_video
    try:
        data = json.loads(result.stdout)
        formats = set(data["format"]["format_name"].split(","))
        streams = [s for s in data.get("streams", []) if s.get("codec_type") == "video"]
        stream = streams[0]
        width, height = int(stream["width"]), int(stream["height"])
        duration = float(data["format"].get("duration") or stream.get("duration"))
        codec = str(stream.get("codec_name", ""))
    except (ValueError, KeyError, IndexError, TypeError):
        raise not_a_video from None
    if not formats & ACCEPTED_FORMATS or width <= 0 or height <= 0 or duration <= 0:
        raise not_a_video
    if codec not in ACCEPTED_CODECS:
        raise VideoRefused(
            _("Codec video «%(codec)s» non ammesso: usa H.264 (il più diffuso) o HEVC.")
            % {"codec": codec}
        )
    if duration > settings.MEDIA_MAX_VIDEO_SECONDS:
        raise VideoRefused(
            _("Video troppo lungo: al massimo %(minutes)s minuti.")
            % {"minutes": settings.MEDIA_MAX_VIDEO_SECONDS // 60}
        )
    if max(width, height) > settings.MEDIA_MAX_VIDEO_SIDE:
        raise VideoRefused(
            _("Video troppo grande: al massimo %(side)s pixel per lato.")
            % {"side": settings.MEDIA_MAX_VIDEO_SIDE}
        )
    return VideoInfo(width=width, height=height, duration=duration, codec=codec)


def clean_copy(source: Path, target: Path) -> None:
    """The streams of ``source`` copied (not re-encoded) into an MP4 without metadata."""
    result = _run(
        [
            settings.FFMPEG,
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            "-map",
            "0:v:0",
            "-map",
            "0:a:0?",
            "-c",
            "copy",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(target),
        ],
        REMUX_SECONDS,
    )
    if result.returncode != 0:
        raise VideoRefused(_("Il video è danneggiato e non si riesce a copiare."))


def poster_frame(source: Path, target: Path, *, at: float) -> None:
    """One frame at ``at`` seconds, as a PNG (re-encoded by Pillow afterwards)."""
    result = _run(
        [
            settings.FFMPEG,
            "-v",
            "error",
            "-y",
            "-ss",
            f"{at:.3f}",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-f",
            "image2",
            "-c:v",
            "png",
            str(target),
        ],
        PROBE_SECONDS,
    )
    if result.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        raise VideoRefused(_("Dal video non si riesce a estrarre un fotogramma: è danneggiato?"))
