"""What every HTTP adapter shares: one httpx client per channel per process, reused across
sends (its connections stay open), and one way to classify errors.

Timeouts are explicit (connect 5 s, read 15 s; a channel's ``config`` may lower them, which
tests do). The secret is sent in a header (or, for Telegram, in the path) and never reaches
a log line or an exception message: every text that leaves this module passes ``scrub``.
"""

import email.utils
import functools
import io
import logging
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import certifi
import httpx
import webvtt
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage

from apps.channels.addresses import AddressRefused, AddressUnresolved, resolve_public

from .base import Adapter, ConfigurationError, PermanentError, TransientError, UnknownOutcome
from .lanes import current_lane

logger = logging.getLogger("apps.publishing.adapters")

# httpx logs every request's URL at INFO; the Telegram Bot API carries its token in the path.
_BOT_TOKEN_IN_PATH = re.compile(r"/bot[^/\s]+/")


class RedactBotToken(logging.Filter):
    """Rewrites ``/bot<token>/`` in httpx's log records before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            record.msg = _BOT_TOKEN_IN_PATH.sub("/bot[segreto]/", message)
            record.args = None
        return True


logging.getLogger("httpx").addFilter(RedactBotToken())

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
MAX_MESSAGE = 300


def scrub(text: str, secret: str) -> str:
    """The text with the secret replaced, cut to a readable length."""
    text = str(text)
    if secret:
        text = text.replace(secret, "[segreto]")
    return text[:MAX_MESSAGE]


MAX_TIMEOUT = 30.0  # well inside Celery's soft time limit (60 s) for the whole send


def _seconds(config: dict, key: str, default: float) -> float:
    try:
        value = float(config.get(key, default))
    except (TypeError, ValueError):  # Channel.config is hand-edited JSON
        return default
    return min(max(value, 0.05), MAX_TIMEOUT)


def timeout_for(config: dict) -> httpx.Timeout:
    connect = _seconds(config, "connect_timeout", CONNECT_TIMEOUT)
    read = _seconds(config, "read_timeout", READ_TIMEOUT)
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle for every client would cost more than the request."""
    return ssl.create_default_context(cafile=certifi.where())


def require_service_url(url: str, kind: str = "") -> None:
    """An absolute http(s) URL; https in production, so a token never travels in clear text."""
    prefix = f"{kind}: " if kind else ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{prefix}indirizzo del servizio non valido nella configurazione")
    if settings.PRODUCTION_MODE and parts.scheme != "https":
        raise ConfigurationError(f"{prefix}l'indirizzo del servizio deve usare https")


# httpx writes a request's headers and its body in two writes: with Nagle's algorithm the body
# waits for the server's delayed ACK of the headers (about 40 ms on Linux) on every request of
# a kept-alive connection. urllib3 turns it off by default; httpx leaves it to the caller.
NO_DELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


class PinnedTransport(httpx.HTTPTransport):
    """For addresses an administrator typed (a Mastodon instance, a webhook receiver, a
    Bluesky server named by a DID document): each request resolves the host once, refuses it
    when any address is internal (``channels.addresses.resolve_public``, the rule of the
    connect pages), and connects to that very address, so a DNS answer that changes between
    the check and the connection (a rebind) cannot send the request, and the token, inside.
    The Host header and TLS (SNI and the certificate's name) still use the host's name."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        try:
            address = resolve_public(host, request.url.port or _default_port(request.url))
        except AddressUnresolved:
            raise httpx.ConnectError(f"{host} does not resolve", request=request) from None
        except AddressRefused as exc:
            raise ConfigurationError(str(exc)) from None
        if address is not None and address != host:
            request.url = request.url.copy_with(host=address)
            request.extensions = {**request.extensions, "sni_hostname": host}
        return super().handle_request(request)


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80


class _SharedClient(httpx.Client):
    """A client kept for the life of its worker process (see :func:`client_for`): adapters
    still write ``with client_for(…) as client:``, which neither opens it twice nor closes
    it, so the next send to the same channel reuses its open connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None


# One client per channel (service address, timeouts, headers: the token is in them) per
# process and lane. A forked child starts with none: it must neither use nor close its parent's
# sockets (closing a TLS connection writes to it). httpx's pool is safe across threads.
_clients: dict[tuple, _SharedClient] = {}
_clients_lock = threading.Lock()
MAX_CLIENTS = 1024  # channels of one installation × lanes; beyond it the least used is dropped


def _forget_clients_after_fork() -> None:
    global _clients_lock
    _clients.clear()
    _clients_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_clients_after_fork)


def client_for(
    config: dict, *, base_url: str, headers: dict | None = None, pinned: bool = False
) -> httpx.Client:
    """The shared client of this channel in this process (created on first use).

    ``pinned``: the address was typed by an administrator (see :class:`PinnedTransport`)."""
    if base_url:
        require_service_url(base_url)
    timeout = timeout_for(config)
    headers = {"User-Agent": "PA-Planner/1.0", **(headers or {})}
    key = (
        base_url.rstrip("/"),
        (timeout.connect, timeout.read, timeout.write, timeout.pool),
        tuple(sorted(headers.items())),
        pinned,
        current_lane(),
    )
    with _clients_lock:
        client = _clients.pop(key, None)
        if client is not None:
            _clients[key] = client  # the most recently used last: the first to go is the oldest
            return client
        transport_class = PinnedTransport if pinned else httpx.HTTPTransport
        try:
            client = _SharedClient(
                base_url=key[0],
                timeout=timeout,
                headers=headers,
                follow_redirects=False,
                transport=transport_class(verify=_tls_context(), socket_options=NO_DELAY),
            )
        except httpx.InvalidURL:
            raise ConfigurationError(
                "indirizzo del servizio non valido nella configurazione"
            ) from None
        if len(_clients) >= MAX_CLIENTS:
            # The least recently used is dropped, not closed: a thread may still be using it;
            # its sockets close with it.
            del _clients[next(iter(_clients))]
        _clients[key] = client
        return client


def bearer_client(
    config: dict,
    secret: str,
    *,
    kind: str,
    default_base_url: str = "",
    headers=None,
    pinned: bool = False,
) -> httpx.Client:
    """A client for an API that takes the token as ``Authorization: Bearer``.

    ``config["base_url"]`` (tests, self-hosted services) wins over ``default_base_url``;
    ``pinned`` for an address an administrator typed (:class:`PinnedTransport`).
    """
    token = require_secret(secret, kind)
    base_url = config.get("base_url") or default_base_url
    if not base_url:
        raise ConfigurationError(f"{kind}: manca 'base_url' nella configurazione del canale")
    return client_for(
        config,
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}", **(headers or {})},
        pinned=pinned,
    )


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    secret: str,
    kind: str,
    may_duplicate: bool = True,
    **kwargs,
) -> httpx.Response:
    """One request; transport failures become the right AdapterError, without the secret.

    ``may_duplicate`` says whether a request that reached the service and got no answer could
    have created something (a post), so its outcome is unknown; otherwise (an upload, a read,
    a container that is not published yet) a retry is harmless and the error is transient.
    """
    try:
        return client.request(method, url, **kwargs)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):
        raise ConfigurationError(f"{kind}: indirizzo del servizio non valido") from None
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise TransientError(f"{kind}: connessione non riuscita ({type(exc).__name__})") from None
    except httpx.WriteTimeout:
        raise TransientError(f"{kind}: invio della richiesta scaduto") from None
    except (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError) as exc:
        message = f"{kind}: nessuna risposta dopo l'invio ({type(exc).__name__})"
        if may_duplicate:
            raise UnknownOutcome(message) from None
        raise TransientError(message) from None
    except httpx.HTTPError as exc:
        raise TransientError(f"{kind}: errore HTTP ({type(exc).__name__})") from None


def raise_for_status(
    response: httpx.Response,
    *,
    secret: str,
    kind: str,
    message_of: Callable[[httpx.Response], str],
    retry_after_of: Callable[[httpx.Response], float | None] | None = None,
) -> None:
    """5xx and 429 are transient (with the service's retry hint); other 4xx are permanent."""
    status = response.status_code
    if status < 400:
        return
    try:
        detail = message_of(response) or response.reason_phrase
    except Exception:  # a body that is not what the API documents
        detail = response.reason_phrase
    message = scrub(f"{kind}: {detail}", secret)
    logger.warning("%s answered HTTP %s", kind, status)
    if status == 429 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is None and retry_after_of is not None:
            try:
                retry_after = retry_after_of(response)
            except (TypeError, ValueError, AttributeError):  # a hint not shaped as documented
                retry_after = None
        raise TransientError(message, status=status, retry_after=retry_after)
    raise PermanentError(message, status=status)


def json_or_empty(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def require(config: dict, key: str, kind: str) -> str:
    value = str(config.get(key) or "").strip()
    if not value:
        raise ConfigurationError(f"{kind}: manca '{key}' nella configurazione del canale")
    return value


def require_secret(secret: str, kind: str) -> str:
    if not secret:
        raise ConfigurationError(f"{kind}: credenziale non impostata per il canale")
    return secret


def open_media(path: str):
    """A binary file object for a payload's ``path`` (``base.ImagePayload``): a name in Django's
    default storage (the filesystem, or S3 in production: read through the storage API, never
    as a local path), or an absolute local path."""
    if os.path.isabs(path):
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    return default_storage.open(path, "rb")


def image_bytes(path: str) -> bytes:
    try:
        with open_media(path) as handle:
            return handle.read()
    except (OSError, SuspiciousFileOperation) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise PermanentError(f"immagine non leggibile ({reason})") from None


def caption_srt(path: str) -> bytes:
    """A stored WebVTT captions file (``base.CaptionPayload.path``) as SRT, UTF-8: what
    Facebook, LinkedIn and X take. Raises ``OSError``, ``ValueError`` or webvtt's
    ``MalformedFileError`` for a file that cannot be read."""
    with open_media(path) as handle:
        parsed = webvtt.WebVTT.from_buffer(io.StringIO(handle.read().decode("utf-8")))
    srt = io.StringIO()
    parsed.write(srt, format="srt")
    return srt.getvalue().encode("utf-8")


class BearerApiAdapter(Adapter):
    """An adapter for an API with a bearer token: subclasses give ``_client`` and the error
    reader (``message_of``, or their own ``raise_for``)."""

    message_of: Callable[[httpx.Response], str] = staticmethod(lambda response: "")
    # The service's own retry hint, when it is not a Retry-After header.
    retry_after_of: Callable[[httpx.Response], float | None] | None = None

    def _client(self, config: dict, secret: str) -> httpx.Client:
        raise NotImplementedError

    def raise_for(self, response: httpx.Response, secret: str) -> None:
        raise_for_status(
            response,
            secret=secret,
            kind=self.kind,
            message_of=self.message_of,
            retry_after_of=self.retry_after_of,
        )

    def call_harmless(self, config: dict, secret: str, method: str, path: str, **kwargs):
        """A read or a delete: it creates nothing, so a lost answer is only transient."""
        with self._client(config, secret) as client:
            response = send(
                client, method, path, secret=secret, kind=self.kind, may_duplicate=False, **kwargs
            )
        self.raise_for(response, secret)
        return response
