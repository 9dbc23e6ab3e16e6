"""Bluesky sessions (AT Protocol): an app password becomes a session, the session is refreshed.

``com.atproto.server.createSession`` takes the handle and an *app password* (made in the Bluesky
app under Settings → App passwords; never the account's own password) and answers an access
JWT (about two hours), a refresh JWT (about two months) and the account's DID and DID document,
whose ``#atproto_pds`` service is the server that keeps the account's posts.
``com.atproto.server.refreshSession`` (the refresh JWT as bearer) answers a new pair: the refresh
JWT rotates, the old one is spent. Errors are XRPC's ``{"error": "...", "message": "..."}``.

Nothing here touches the database; the app password is used once and never stored.
"""

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

DEFAULT_SERVICE = "https://bsky.social"
HTTP_TIMEOUT = 10.0
# When a JWT's own expiry cannot be read: the access JWT's documented lifetime.
ACCESS_LIFETIME = timedelta(hours=2)
# The refresh JWT was refused for good: only a new login (app password) helps.
RECONNECT_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AccountTakedown", "AuthRequired"})


class SessionError(Exception):
    """An XRPC error (``error`` is its name, e.g. ``AuthenticationRequired``) or no answer."""

    def __init__(self, error: str, message: str = "", *, status: int = 0):
        super().__init__(message or error)
        self.error = error
        self.message = message
        self.status = status

    @property
    def needs_login(self) -> bool:
        return self.error in RECONNECT_ERRORS


@dataclass(frozen=True)
class Session:
    did: str
    handle: str
    access_jwt: str
    refresh_jwt: str
    pds: str  # where the account lives (from the DID document), or the service asked
    expires_at: datetime

    def as_token(self) -> dict:
        """The shape ``connections.save_connection`` stores (encrypted)."""
        return {
            "access_token": self.access_jwt,
            "refresh_token": self.refresh_jwt,
            "expires_at": self.expires_at.timestamp(),
        }


def jwt_expiry(jwt: str) -> datetime:
    """The ``exp`` claim of a JWT (read, not verified: the server checks it), or two hours."""
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(float(claims["exp"]), tz=UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return datetime.now(UTC) + ACCESS_LIFETIME


def _pds_of(did_doc, fallback: str) -> str:
    """The ``#atproto_pds`` endpoint of a DID document, if it is an http(s) address."""
    services = did_doc.get("service") if isinstance(did_doc, dict) else None
    for service in services if isinstance(services, list) else []:
        if not isinstance(service, dict):
            continue
        if str(service.get("id", "")).endswith("#atproto_pds"):
            endpoint = str(service.get("serviceEndpoint", ""))
            if endpoint.startswith(("https://", "http://")):
                return endpoint.rstrip("/")
    return fallback


def _xrpc(service: str, method: str, *, json_body=None, bearer: str = "") -> dict:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    try:
        response = httpx.post(
            f"{service.rstrip('/')}/xrpc/{method}",
            json=json_body,
            headers=headers,
            timeout=HTTP_TIMEOUT,
            follow_redirects=False,
        )
        body = response.json() if response.content else {}
    except (httpx.HTTPError, ValueError):
        raise SessionError("Unreachable") from None
    if not isinstance(body, dict):
        body = {}
    if response.status_code != 200:
        raise SessionError(
            str(body.get("error") or f"HTTP{response.status_code}")[:80],
            str(body.get("message") or "")[:200],
            status=response.status_code,
        )
    return body


def _session(body: dict, service: str) -> Session:
    try:
        return Session(
            did=str(body["did"]),
            handle=str(body.get("handle", "")),
            access_jwt=str(body["accessJwt"]),
            refresh_jwt=str(body["refreshJwt"]),
            pds=_pds_of(body.get("didDoc"), service.rstrip("/")),
            expires_at=jwt_expiry(str(body["accessJwt"])),
        )
    except KeyError:
        raise SessionError("InvalidResponse") from None


def create_session(service: str, *, identifier: str, password: str) -> Session:
    body = _xrpc(
        service,
        "com.atproto.server.createSession",
        json_body={"identifier": identifier, "password": password},
    )
    return _session(body, service)


def refresh_session(service: str, *, refresh_jwt: str) -> Session:
    """A new session from the refresh JWT (which is spent: keep the new one)."""
    return _session(
        _xrpc(service, "com.atproto.server.refreshSession", bearer=refresh_jwt), service
    )
