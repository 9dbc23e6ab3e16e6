"""X's OAuth 2.0 on top of the X API server, as documented for the authorization code flow
with PKCE: the consent page at ``/i/oauth2/authorize``, ``POST /2/oauth2/token`` (HTTP Basic
client authentication for a confidential client) for ``authorization_code`` and
``refresh_token`` grants, ``POST /2/oauth2/revoke``.

What hurts in the real service is modelled: access tokens live ``access_lifetime`` seconds
(two hours on X), a refresh token works once (each refresh returns a new one), an
authorization code works once and for 30 seconds, PKCE and the redirect URI are checked, and
errors come as RFC 6749 JSON (``invalid_grant``, ``invalid_client``, ``invalid_request``).
"""

import base64
import hashlib
import html
import secrets
import time
from urllib.parse import urlencode

from .base import RecordedRequest, Reply
from .x import XServer

CODE_LIFETIME = 30


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply(status, {"error": error, "error_description": description})


class XOAuthServer(XServer):
    client_id = "pa-planner-client"
    client_secret = "pa-planner-client-secret"

    def __init__(self, *, access_lifetime: int = 7200, **kwargs):
        self.access_lifetime = access_lifetime
        self._reset_state()
        super().__init__(**kwargs)

    def _reset_state(self) -> None:
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, float] = {}  # token -> expiry (epoch)
        self.refresh_tokens: dict[str, bool] = {}  # token -> still valid
        self.token_requests = 0

    # --- what tests do to it --------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        with self._lock:
            self.access_tokens = {token: 0 for token in self.access_tokens}

    def revoke_app(self) -> None:
        """The person removed the app from their X account: every token stops working."""
        with self._lock:
            self.access_tokens.clear()
            self.refresh_tokens = {token: False for token in self.refresh_tokens}

    # --- the protocol ---------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> Reply:
        if request.path == "/i/oauth2/authorize":
            return self._authorize(request)
        if request.path == "/2/oauth2/token" and request.method == "POST":
            return self._token(request)
        if request.path == "/2/oauth2/revoke" and request.method == "POST":
            token = request.field("token", "")
            self.access_tokens.pop(token, None)
            if token in self.refresh_tokens:
                self.refresh_tokens[token] = False
            return Reply(200, {"revoked": True})
        authorization = request.header("authorization") or ""
        token = authorization.removeprefix("Bearer ")
        if self.access_tokens.get(token, 0) > time.time():
            # A valid issued token: answer as the API does for the test's own token.
            request.headers["authorization"] = f"Bearer {self.token}"
        return super().handle(request)

    def _authorize(self, request: RecordedRequest) -> Reply:
        params = {name: request.field(name, "") for name in _AUTHORIZE_PARAMS}
        if params["client_id"] != self.client_id or params["response_type"] != "code":
            return Reply(400, "<h1>Something went wrong</h1>", {"Content-Type": "text/html"})
        if request.method == "GET":
            fields = "".join(
                f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
                for name, value in params.items()
            )
            page = (
                "<!doctype html><html lang='en'><title>Authorize app</title><main>"
                "<h1>PA Planner wants to access your X account</h1>"
                f"<form method='post'>{fields}"
                "<button name='decision' value='allow'>Authorize app</button>"
                "<button name='decision' value='deny'>Cancel</button></form></main></html>"
            )
            return Reply(200, page, {"Content-Type": "text/html; charset=utf-8"})
        if request.field("decision") != "allow":
            query = {"error": "access_denied", "state": params["state"]}
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = {**params, "expires": time.time() + CODE_LIFETIME}
            query = {"code": code, "state": params["state"]}
        return Reply(302, b"", {"Location": f"{params['redirect_uri']}?{urlencode(query)}"})

    def _client_ok(self, request: RecordedRequest) -> bool:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return request.header("authorization") == f"Basic {expected}"

    def _token(self, request: RecordedRequest) -> Reply:
        self.token_requests += 1
        if not self._client_ok(request):
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        grant = request.field("grant_type")
        if grant == "authorization_code":
            return self._exchange_code(request)
        if grant == "refresh_token":
            old = request.field("refresh_token", "")
            if not self.refresh_tokens.get(old):
                return _oauth_error(400, "invalid_grant", "Value passed for the token was invalid.")
            self.refresh_tokens[old] = False  # rotation: it works once
            return self._issue(scope="tweet.read tweet.write users.read offline.access")
        return _oauth_error(400, "unsupported_grant_type", "grant_type not supported")

    def _exchange_code(self, request: RecordedRequest) -> Reply:
        code = self.codes.pop(request.field("code", ""), None)  # a code works once
        if code is None or code["expires"] < time.time():
            return _oauth_error(400, "invalid_grant", "Value passed for the code was invalid.")
        if request.field("redirect_uri") != code["redirect_uri"]:
            return _oauth_error(400, "invalid_request", "redirect_uri does not match")
        verifier = request.field("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if code["code_challenge_method"] != "S256" or challenge != code["code_challenge"]:
            return _oauth_error(400, "invalid_grant", "code_verifier does not match")
        return self._issue(scope=code["scope"])

    def _issue(self, *, scope: str) -> Reply:
        access = "x-at-" + secrets.token_urlsafe(24)
        self.access_tokens[access] = time.time() + self.access_lifetime
        body = {
            "token_type": "bearer",
            "expires_in": self.access_lifetime,
            "access_token": access,
            "scope": scope,
        }
        if "offline.access" in scope.split():
            refresh = "x-rt-" + secrets.token_urlsafe(24)
            self.refresh_tokens[refresh] = True
            body["refresh_token"] = refresh
        return Reply(200, body)


_AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
