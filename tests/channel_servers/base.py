"""The machinery every fake API shares: a threaded stdlib HTTP server on 127.0.0.1, request
recording and fault injection. Each API module subclasses :class:`ChannelServer` and
implements :meth:`ChannelServer.handle` (plus the API's error shapes)."""

import email.parser
import email.policy
import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULT_MODES = ("500", "429", "hang", "drop")


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One request as the server received it (faulted requests included, see ``fault``)."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes
    form: dict[str, list[str]] = field(default_factory=dict)  # urlencoded or multipart fields
    files: dict[str, UploadedFile] = field(default_factory=dict)
    json: Any = None
    fault: str = ""  # the fault injected into this request, if any
    peer: tuple = ()  # the client's (address, port): one per TCP connection

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def field(self, name: str, default=None):
        """A parameter from the JSON body, the form, or the query string (first value)."""
        if isinstance(self.json, dict) and name in self.json:
            return self.json[name]
        for source in (self.form, self.query):
            if name in source:
                return source[name][0]
        return default


@dataclass
class Reply:
    status: int
    body: Any = None  # dict/list -> JSON; bytes/str as is; None -> empty
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Fault:
    mode: str
    retry_after: float | None
    after_processing: bool
    on_path: str | None = None

    def applies_to(self, path: str) -> bool:
        return self.on_path is None or self.on_path in path


def _parse(method: str, raw_path: str, headers: dict[str, str], body: bytes) -> RecordedRequest:
    parts = urlsplit(raw_path)
    request = RecordedRequest(
        method=method,
        path=parts.path,
        query=parse_qs(parts.query, keep_blank_values=True),
        headers=headers,
        body=body,
    )
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            request.json = json.loads(body or b"null")
        except ValueError:
            request.json = None
    elif content_type.startswith("application/x-www-form-urlencoded"):
        request.form = parse_qs(body.decode(), keep_blank_values=True)
    elif content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                request.files[name] = UploadedFile(
                    part.get_filename(), part.get_content_type(), payload
                )
            else:
                request.form.setdefault(name, []).append(payload.decode())
    return request


class _ApiHTTPServer(ThreadingHTTPServer):
    # A real API accepts many connections at once; socketserver's default backlog of 5
    # drops the SYNs of a burst, which the client sees as seconds of connect retries.
    request_queue_size = 1024


class ChannelServer:
    """A fake API on ``127.0.0.1:<random port>``.

    Attributes: ``base_url``, ``token`` (the secret it accepts), ``requests`` (every
    :class:`RecordedRequest`, in order), ``items`` (what it published, dicts with at least
    ``id`` and ``text``). Thread-safe; ``reset()`` forgets everything between tests.
    """

    kind = ""
    default_token = "test-token"
    hang_seconds = 30.0
    # Seconds every answer waits before it is written, as a real API's latency does.
    answer_delay = 0.0

    def __init__(self, *, token: str | None = None):
        self.token = token or self.default_token
        # Post figures set by a test (``set_figures``), else ``realistic_figures`` of the id.
        self.figures: dict[str, dict] = {}
        self.followers = DEFAULT_FOLLOWERS
        self.requests: list[RecordedRequest] = []
        self.items: list[dict] = []
        self._faults: list[_Fault] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._httpd = _ApiHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.kind}-api",
            daemon=True,
        )
        self._thread.start()

    # --- the public API -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def config(self) -> dict:
        """``Channel.config`` that points the adapter at this server (short read timeout)."""
        return {"base_url": self.base_url, "read_timeout": 3}

    def fail_next(
        self,
        count: int = 1,
        mode: str = "500",
        *,
        retry_after: float | None = None,
        after_processing: bool = False,
        on_path: str | None = None,
    ) -> None:
        """The next ``count`` requests fail with ``mode``:

        - ``"500"``: HTTP 500 in the API's error shape;
        - ``"429"``: rate limited, with the API's retry hint (``retry_after`` seconds, default 1);
        - ``"hang"``: no answer for ``hang_seconds`` (the client's read timeout fires);
        - ``"drop"``: the connection is closed without an answer.

        With ``after_processing=True`` a ``hang`` or ``drop`` happens *after* the request took
        effect (the item exists): the case of an unknown outcome that did publish.
        With ``on_path`` only requests whose path contains it are hit (e.g. ``"media_publish"``);
        other requests pass untouched.
        """
        if mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {FAULT_MODES}")
        with self._lock:
            self._faults.extend(
                _Fault(mode, retry_after, after_processing, on_path) for _ in range(count)
            )

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.items.clear()
            self._faults.clear()
            self.answer_delay = 0.0
            self.figures.clear()
            self.followers = DEFAULT_FOLLOWERS
            self._reset_state()

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def set_figures(self, item_id: str, **figures: int) -> None:
        """What the metrics endpoints answer for this item (keys of ``realistic_figures``)."""
        with self._lock:
            self.figures[str(item_id)] = {**realistic_figures(item_id), **figures}

    def figures_of(self, item_id: str) -> dict:
        with self._lock:
            return self.figures.get(str(item_id)) or realistic_figures(item_id)

    def item(self, item_id: str) -> dict | None:
        with self._lock:
            return next((i for i in self.items if str(i["id"]) == str(item_id)), None)

    def published_texts(self) -> list[str]:
        with self._lock:
            return [item["text"] for item in self.items]

    def requests_to(self, path_suffix: str, method: str = "POST") -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and r.path.endswith(path_suffix) and not r.fault
            ]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # --- for subclasses -------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply:
        raise NotImplementedError

    def server_error(self) -> Reply:
        return Reply(500, {"error": "Internal server error"})

    def rate_limited(self, retry_after: float) -> Reply:
        return Reply(429, {"error": "Too many requests"}, {"Retry-After": str(int(retry_after))})

    def _reset_state(self) -> None:
        """Forget API-specific state (idempotency keys, containers…)."""

    def next_id(self) -> int:
        return next(self._ids)

    # --- internals ------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        request = _parse(method, handler.path, headers, body)
        request.peer = tuple(handler.client_address)
        with self._lock:
            fault = next((f for f in self._faults if f.applies_to(request.path)), None)
            if fault is not None:
                self._faults.remove(fault)
            request.fault = fault.mode if fault else ""
            self.requests.append(request)
        if fault is None:
            reply = self._safe_handle(request)
            if self.answer_delay:
                self._stopping.wait(self.answer_delay)
            self._write(handler, reply)
            return
        if fault.mode == "500":
            self._write(handler, self.server_error())
        elif fault.mode == "429":
            self._write(handler, self.rate_limited(fault.retry_after or 1))
        else:
            if fault.after_processing:
                self._safe_handle(request)
            if fault.mode == "hang":
                self._stopping.wait(self.hang_seconds)
            handler.close_connection = True  # "drop", or a hang the client gave up on

    def _safe_handle(self, request: RecordedRequest) -> Reply:
        with self._lock:
            try:
                return self.handle(request)
            except Exception as exc:  # a bug in the fake must show, not hang the client
                return Reply(500, {"error": f"fake server error: {exc!r}"})

    @staticmethod
    def _write(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        body = reply.body
        headers = dict(reply.headers)
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        elif isinstance(body, str):
            body = body.encode()
        body = body or b""
        try:
            handler.send_response(reply.status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The status line and headers, then the body, are two writes: with Nagle's
            # algorithm the body waits ~40 ms for the client's delayed ACK (a real API's
            # server does not), which every test and the bench would pay per request.
            disable_nagle_algorithm = True

            def do_GET(self):
                server._serve(self, "GET")

            def do_POST(self):
                server._serve(self, "POST")

            def do_DELETE(self):
                server._serve(self, "DELETE")

            def do_PUT(self):
                server._serve(self, "PUT")

            def log_message(self, format, *args):  # quiet: tests read ``requests`` instead
                pass

        return Handler


DEFAULT_FOLLOWERS = 12840


def realistic_figures(item_id) -> dict:
    """The figures of a municipal post, the same for the same id: a few thousand views, a few
    percent of them reacting, a tenth of those commenting or sharing, 1-2 % clicking."""
    rng = random.Random(str(item_id))
    impressions = rng.randint(400, 4000)
    reactions = round(impressions * rng.uniform(0.015, 0.05))
    return {
        "impressions": impressions,
        "reach": round(impressions * rng.uniform(0.6, 0.85)),
        "reactions": reactions,
        "comments": round(reactions * rng.uniform(0.05, 0.2)),
        "shares": round(reactions * rng.uniform(0.05, 0.25)),
        "link_clicks": round(impressions * rng.uniform(0.005, 0.02)),
        "video_views": round(impressions * rng.uniform(0.2, 0.4)),
    }


def bearer_ok(request: RecordedRequest, token: str) -> bool:
    return request.header("authorization") == f"Bearer {token}"


def now() -> int:
    return int(time.time())
