"""The one interface every channel adapter implements.

An adapter speaks one service's real HTTP API. It never touches the database: the
engine (publishing.services) hands it a :class:`PublishRequest` and records the outcome.
Errors are classified so the engine knows what to do:

- :class:`TransientError` (timeouts before the request left, connection refused, 429, 5xx):
  retry with backoff, honouring ``retry_after`` when the service gave one;
- :class:`PermanentError` (bad credentials, rejected content, 4xx): fail at once;
- :class:`UnknownOutcome` (the request may have reached the service, e.g. a read timeout):
  never resend blindly; reconcile through ``find_existing`` or hand to a person.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True)
class ImagePayload:
    # The file's name in Django's default storage (read with ``_http.open_media``: S3 in
    # production, so never a filesystem path of the web machine), or an absolute local path.
    path: str
    url: str  # absolute public URL (for APIs that fetch images, e.g. Instagram)
    alt_text: str
    content_type: str = "image/jpeg"
    credit: str = ""  # author and licence, where the channel shows them (the WordPress site)


@dataclass(frozen=True)
class CaptionPayload:
    """A video's captions in one language: a WebVTT file (``path`` as in ImagePayload)."""

    path: str
    language: str  # ISO 639-1, e.g. "it"


@dataclass(frozen=True)
class VideoPayload:
    """A media-library video (the cleaned MP4), already checked against the network's limits
    (``media_library.networks``). ``path`` as in :class:`ImagePayload`: read it as a stream
    (``_http.open_media``), never whole into memory."""

    path: str
    url: str  # absolute public URL (for APIs that fetch the video, e.g. Instagram Reels)
    size: int  # bytes
    description: str  # the asset's alt text (or the channel's own): what the video shows
    duration: float | None = None  # seconds
    width: int = 0
    height: int = 0
    content_type: str = "video/mp4"
    poster_path: str = ""  # a JPEG frame, same convention as ``path``; may be empty
    captions: tuple[CaptionPayload, ...] = ()  # sent where the network takes a captions file


@dataclass(frozen=True)
class PublishRequest:
    delivery_id: int
    idempotency_key: str
    text: str
    # The variant's public title (news headline, newsletter subject, link card title), empty
    # where the channel has none. Never the post's title, which is internal.
    title: str = ""
    # The website Notizia's fields (``planning.news.NewsFields.as_payload``: summary, topics,
    # type, office) on channels that publish one; empty elsewhere.
    news: dict = field(default_factory=dict)
    link: str = ""
    images: tuple[ImagePayload, ...] = ()
    # Set only for adapters with ``supports_video``: the post's video, which those networks
    # send instead of the images (a network post carries a video or images).
    video: VideoPayload | None = None
    config: dict = field(default_factory=dict)  # Channel.config: base_url, page_id, chat_id…
    secret: str = ""  # from ChannelCredential; never log it
    language: str = "it"
    # No earlier attempt of this delivery can have reached the service before this time:
    # ``find_existing`` looks back to it (and no further).
    not_before: datetime | None = None


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str = ""


@dataclass(frozen=True)
class ReplyRequest:
    """An answer to a citizen's message (apps.inbox), as the Comune's account."""

    text: str
    in_reply_to: str  # the network id of the citizen's message
    private: bool = False  # a private conversation: answer privately
    recipient: str = ""  # the citizen's id on the network (private answers)
    mention: str = ""  # the citizen's handle, where the network needs it addressed
    subject: str = ""  # where the answer has one (email): "Re: " and the citizen's subject
    config: dict = field(default_factory=dict)
    secret: str = ""  # never log it
    idempotency_key: str = ""


class AdapterError(Exception):
    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class TransientError(AdapterError):
    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class PermanentError(AdapterError):
    """The service refused, and the same request will be refused again."""

    @property
    def is_configuration(self) -> bool:
        """Refused for who is asking (token, permissions), not for what: fixable in the
        channel's settings, after which the same content may be sent again."""
        return self.status in (401, 403)


class ConfigurationError(PermanentError):
    """The channel's settings are missing or wrong: nothing was sent."""

    @property
    def is_configuration(self) -> bool:
        return True


class UnknownOutcome(AdapterError):
    pass


class GoneError(PermanentError):
    """The item is no longer on the network (deleted there): stop asking about it."""


@dataclass(frozen=True)
class PostMetrics:
    """A post's figures as its network reports them; ``None`` where the network gives none
    (never 0 for "unknown": a zero is a real zero)."""

    reach: int | None = None  # distinct accounts reached
    impressions: int | None = None  # times shown
    reactions: int | None = None  # likes, favourites, reactions of every type
    comments: int | None = None  # comments, replies
    shares: int | None = None  # shares, reposts, reblogs, quotes
    link_clicks: int | None = None
    video_views: int | None = None


def figure(figures: dict, key: str) -> int | None:
    """A non-negative whole number from a network's JSON, or None (absent, not a number)."""
    value = figures.get(key) if isinstance(figures, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(int(value), 0)


def total(*values: int | None) -> int | None:
    """The sum of the figures given; None when the network gave none of them."""
    present = [v for v in values if v is not None]
    return sum(present) if present else None


class Adapter:
    kind: ClassVar[str]
    supports_delete: ClassVar[bool] = False
    # True when a resend with the same idempotency key cannot create a duplicate,
    # or when find_existing can look the item up: then a crashed send can be reconciled.
    can_reconcile: ClassVar[bool] = False
    # True when verify() can check a credential without publishing anything.
    supports_verify: ClassVar[bool] = False
    # True when the network reports a post's figures (``metrics``) and the account's
    # followers (``followers``); False: the channel gives no numbers (the report says so).
    supports_metrics: ClassVar[bool] = False
    # True when ``followers`` reads the account's followers or subscribers.
    supports_followers: ClassVar[bool] = False
    # True when publish() uploads ``PublishRequest.video``.
    supports_video: ClassVar[bool] = False
    # apps.inbox: answering citizens, and which moderation actions the network allows.
    supports_reply: ClassVar[bool] = False
    moderation_actions: ClassVar[frozenset[str]] = frozenset()

    def publish(self, request: PublishRequest) -> PublishResult:
        raise NotImplementedError

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        raise PermanentError(f"{self.kind} does not support deleting")

    def update(self, *, external_id: str, request: PublishRequest) -> PublishResult:
        """Edit the item already published as ``external_id`` so it carries ``request``'s
        content (an approved correction). Only kinds in ``channels.kinds.UPDATABLE_KINDS``
        implement it; the same errors as ``publish``. Sending the same update twice must
        leave the item as once (a full replacement of the fields, not an append)."""
        raise PermanentError(f"{self.kind} does not support updating a published item")

    def reply(self, request: ReplyRequest) -> PublishResult:
        """Answer a citizen's message; the same errors as ``publish``."""
        raise PermanentError(f"{self.kind} does not support replies")

    def moderate(self, *, network_id: str, action: str, config: dict, secret: str) -> None:
        """Hide (``"hide"``) or delete (``"delete"``) a citizen's comment on the network."""
        raise PermanentError(f"{self.kind} does not support moderation")

    def find_existing(self, request: PublishRequest) -> PublishResult | None:
        return None

    def verify(self, *, config: dict, secret: str) -> str:
        """Check the credential with a harmless read; return the account's name.

        Raises the same errors as ``publish`` (PermanentError: the credential is refused).
        """
        raise PermanentError(f"{self.kind} does not support verifying")

    def metrics(self, *, external_id: str, config: dict, secret: str) -> PostMetrics:
        """The post's figures now. Raises :class:`GoneError` when the post was deleted on the
        network, :class:`TransientError` (with ``retry_after``) when rate limited."""
        raise PermanentError(f"{self.kind} does not report metrics")

    def followers(self, *, config: dict, secret: str) -> int | None:
        """The account's followers (or subscribers) now; ``None`` when the network says not."""
        return None
