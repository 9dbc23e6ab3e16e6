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
    path: str  # local file path
    url: str  # absolute public URL (for APIs that fetch images, e.g. Instagram)
    alt_text: str
    content_type: str = "image/jpeg"


@dataclass(frozen=True)
class PublishRequest:
    delivery_id: int
    idempotency_key: str
    text: str
    # The variant's public title (news headline, newsletter subject, link card title), empty
    # where the channel has none. Never the post's title, which is internal.
    title: str = ""
    link: str = ""
    images: tuple[ImagePayload, ...] = ()
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


class Adapter:
    kind: ClassVar[str]
    supports_delete: ClassVar[bool] = False
    # True when a resend with the same idempotency key cannot create a duplicate,
    # or when find_existing can look the item up: then a crashed send can be reconciled.
    can_reconcile: ClassVar[bool] = False
    # True when verify() can check a credential without publishing anything.
    supports_verify: ClassVar[bool] = False
    # apps.inbox: answering citizens, and which moderation actions the network allows.
    supports_reply: ClassVar[bool] = False
    moderation_actions: ClassVar[frozenset[str]] = frozenset()

    def publish(self, request: PublishRequest) -> PublishResult:
        raise NotImplementedError

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        raise PermanentError(f"{self.kind} does not support deleting")

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
