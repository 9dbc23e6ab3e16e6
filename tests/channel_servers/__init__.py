"""Local fake channel APIs for tests: the documented requests, answers and error shapes of each
service, on ``127.0.0.1:<random port>``, with recording and fault injection.

Use::

    from tests.channel_servers import start_server

    # kinds: mastodon, telegram, facebook, instagram, x, linkedin, webhook, bluesky, threads,
    # wordpress
    server = start_server("mastodon")
    channel.config = server.config              # base_url (+ chat_id/page_id/… it expects)
    credential.secret = server.token            # the only secret the server accepts
    ...
    server.requests                             # [RecordedRequest(method, path, json…)]
    server.items / server.published_texts()     # what it published
    server.fail_next(2, "500")                  # next 2 requests: HTTP 500
    server.fail_next(1, "429", retry_after=3)   # rate limited with the API's retry hint
    server.fail_next(1, "hang")                 # no answer: the client's read timeout fires
    server.fail_next(1, "drop", after_processing=True)  # published, then the connection dies
    server.reset()                              # between tests
    server.stop()                               # or use it as a context manager

Or as a pytest fixture: ``channel_server`` in ``tests/adapters/conftest.py`` shows the shape.

What each fake enforces (see its module): auth (bearer token, or the bot token in the path for
Telegram), required fields and length limits with the service's own error bodies, Mastodon's
Idempotency-Key (same key -> the same status, no duplicate), Telegram's
``{"ok": false, "parameters": {"retry_after": N}}``, Graph error codes (190 bad token, 4 rate
limit), X's ``x-rate-limit-reset``, LinkedIn's version headers and ``x-restli-id``, the webhook's
HMAC signature. Facebook and Instagram share one Graph server (``items[i]["network"]``).
"""

from .base import FAULT_MODES, ChannelServer, RecordedRequest, Reply, UploadedFile
from .bluesky import BlueskyServer
from .graph import GraphServer
from .linkedin import LinkedInServer
from .mastodon import MastodonServer
from .telegram import TelegramServer
from .threads import ThreadsServer
from .webhook import WebhookServer
from .wordpress import WordPressServer
from .x import XServer

SERVERS: dict[str, type[ChannelServer]] = {
    "mastodon": MastodonServer,
    "telegram": TelegramServer,
    "facebook": GraphServer,
    "instagram": GraphServer,
    "x": XServer,
    "linkedin": LinkedInServer,
    "webhook": WebhookServer,
    "bluesky": BlueskyServer,
    "threads": ThreadsServer,
    "wordpress": WordPressServer,
}

# The secret each fake accepts by default (``start_server(kind, token=...)`` to change it).
SECRETS: dict[str, str] = {kind: cls.default_token for kind, cls in SERVERS.items()}


def start_server(kind: str, *, token: str | None = None) -> ChannelServer:
    """Start the fake API for a channel kind (a ``ChannelKind`` value) in a thread."""
    try:
        server_class = SERVERS[str(kind)]
    except KeyError:
        raise ValueError(f"No fake server for {kind!r}; known: {sorted(SERVERS)}") from None
    return server_class(token=token)


__all__ = [
    "FAULT_MODES",
    "SECRETS",
    "SERVERS",
    "ChannelServer",
    "RecordedRequest",
    "Reply",
    "UploadedFile",
    "start_server",
]
