"""What each network accepts, in one table: renditions, upload checks and the asset page read it.

Sources (checked December 2026; networks change them, so each row names where it comes from).
/work/shared/DOMAIN.md gives the networks' posting calls but none of these size limits, so they
come from each network's own public documentation:

- Instagram: Meta, Instagram Graph API, "Content Publishing" (image: JPEG, at most 8 MB, aspect
  ratio 4:5 to 1.91:1, width 320–1440 px; Reels: MP4/MOV, 3 s–15 min, at most 300 MB).
- Facebook: Meta, Graph API "Page Photos" (photos under 4 MB, JPEG/PNG) and "Video API"
  (at most 240 min).
- X: X developer docs, "Media upload" (images at most 5 MB; video at most 512 MB, 0.5–140 s).
- Mastodon: Mastodon 4.x defaults, "MediaAttachment" / ``POST /api/v2/media``
  (images 16 MB and 8.3 megapixels (3840 × 2160), video 99 MB); an instance may set other values.
- Bluesky: AT Protocol lexicon ``app.bsky.embed.images`` (image blob at most 1,000,000 bytes)
  and ``app.bsky.video`` (at most 100 MB, 3 min).
- Telegram: Bot API ``sendPhoto`` (at most 10 MB, width + height at most 10,000, ratio at most
  20) and ``sendVideo`` (bots upload at most 50 MB).
- Threads: Meta, Threads API, "Posts", Media specifications (image: JPEG/PNG, at most 8 MB,
  ratio up to 10:1, width 320–1440 px; video: MOV/MP4, H.264 or HEVC, at most 5 min and 1 GB,
  at most 1920 px wide).
- LinkedIn: LinkedIn "Images API" (at most 36,152,319 pixels) and "Videos API" (3 s–30 min,
  at most 500 MB).

Renditions are JPEG (every network takes it), sRGB, no metadata, at most ``max_side`` pixels on
the long side and ``max_image_bytes`` in size; Instagram's are cropped to its aspect ratios
around the asset's focal point.
"""

from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from apps.channels.enums import ChannelKind


@dataclass(frozen=True)
class NetworkLimits:
    kind: str
    label: str
    max_image_bytes: int
    max_side: int
    max_pixels: int | None = None
    min_ratio: Fraction | None = None  # width / height
    max_ratio: Fraction | None = None
    max_video_bytes: int | None = None
    min_video_seconds: float | None = None
    max_video_seconds: float | None = None
    # ffprobe's codec names the network takes (None: any the library accepts).
    video_codecs: frozenset[str] | None = None
    source: str = ""


MB = 1024 * 1024

NETWORKS: dict[str, NetworkLimits] = {
    limits.kind: limits
    for limits in [
        NetworkLimits(
            ChannelKind.INSTAGRAM,
            _("Instagram"),
            max_image_bytes=8 * MB,
            max_side=1440,
            min_ratio=Fraction(4, 5),
            max_ratio=Fraction(191, 100),
            max_video_bytes=300 * MB,
            min_video_seconds=3,
            max_video_seconds=15 * 60,
            source="Instagram Graph API, Content Publishing",
        ),
        NetworkLimits(
            ChannelKind.FACEBOOK,
            _("Facebook"),
            max_image_bytes=4 * MB,
            max_side=2048,
            max_video_seconds=240 * 60,
            source="Graph API, Page Photos and Video API",
        ),
        NetworkLimits(
            ChannelKind.X,
            _("X"),
            max_image_bytes=5 * MB,
            max_side=4096,
            max_video_bytes=512 * MB,
            min_video_seconds=0.5,
            max_video_seconds=140,
            source="X API, Media upload",
        ),
        NetworkLimits(
            ChannelKind.MASTODON,
            _("Mastodon"),
            max_image_bytes=16 * MB,
            max_side=3840,
            max_pixels=3840 * 2160,
            max_video_bytes=99 * MB,
            source="Mastodon 4.x defaults, POST /api/v2/media",
        ),
        NetworkLimits(
            "bluesky",
            _("Bluesky"),
            max_image_bytes=1_000_000,
            max_side=2000,
            max_video_bytes=100 * MB,
            max_video_seconds=180,
            source="AT Protocol lexicons app.bsky.embed.images, app.bsky.video",
        ),
        NetworkLimits(
            ChannelKind.TELEGRAM,
            _("Telegram"),
            max_image_bytes=10 * MB,
            max_side=5000,  # width + height at most 10,000
            min_ratio=Fraction(1, 20),
            max_ratio=Fraction(20, 1),
            max_video_bytes=50 * MB,
            source="Telegram Bot API, sendPhoto and sendVideo",
        ),
        NetworkLimits(
            ChannelKind.THREADS,
            _("Threads"),
            max_image_bytes=8 * MB,
            max_side=1440,
            min_ratio=Fraction(1, 10),
            max_ratio=Fraction(10, 1),
            max_video_bytes=1024 * MB,
            max_video_seconds=5 * 60,
            video_codecs=frozenset({"h264", "hevc"}),
            source="Threads API, Posts: Media specifications",
        ),
        NetworkLimits(
            ChannelKind.LINKEDIN,
            _("LinkedIn"),
            max_image_bytes=8 * MB,
            max_side=6012,
            max_pixels=36_152_319,
            max_video_bytes=500 * MB,
            min_video_seconds=3,
            max_video_seconds=30 * 60,
            source="LinkedIn Images API and Videos API",
        ),
    ]
}


# The networks whose adapter uploads a post's video (``Adapter.supports_video``; a test keeps the
# two in step): there the video replaces the images, and the previews show it.
VIDEO_NETWORKS = frozenset(
    {
        ChannelKind.FACEBOOK,
        ChannelKind.INSTAGRAM,
        ChannelKind.X,
        ChannelKind.MASTODON,
        ChannelKind.TELEGRAM,
        ChannelKind.LINKEDIN,
        ChannelKind.BLUESKY,
        ChannelKind.THREADS,
    }
)


CODEC_NAMES = {"h264": "H.264", "hevc": "HEVC", "vp9": "VP9", "av1": "AV1", "mpeg4": "MPEG-4"}


def video_problems(
    limits: NetworkLimits, *, size: int, seconds: float | None, codec: str = ""
) -> list[str]:
    """Why a video does not fit one network, in words for the editor (empty: it fits)."""
    problems = []
    if limits.video_codecs is not None and codec and codec not in limits.video_codecs:
        problems.append(
            _("%(network)s accetta solo video %(codecs)s, non %(codec)s.")
            % {
                "network": limits.label,
                "codecs": " o ".join(sorted(CODEC_NAMES.get(c, c) for c in limits.video_codecs)),
                "codec": CODEC_NAMES.get(codec, codec),
            }
        )
    if limits.max_video_bytes is not None and size > limits.max_video_bytes:
        problems.append(
            _("%(network)s accetta video fino a %(mb)s MB.")
            % {"network": limits.label, "mb": limits.max_video_bytes // MB}
        )
    if seconds is not None:
        if limits.max_video_seconds is not None and seconds > limits.max_video_seconds:
            problems.append(
                _("%(network)s accetta video lunghi al massimo %(seconds)s secondi.")
                % {"network": limits.label, "seconds": int(limits.max_video_seconds)}
            )
        if limits.min_video_seconds is not None and seconds < limits.min_video_seconds:
            problems.append(
                _("%(network)s accetta video lunghi almeno %(seconds)s secondi.")
                % {"network": limits.label, "seconds": limits.min_video_seconds}
            )
    return problems
