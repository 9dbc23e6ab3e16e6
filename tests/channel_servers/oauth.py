"""OAuth 2.0 authorization code (RFC 6749) with PKCE (RFC 7636), mixed into an API fake.

One consent page (GET shows it, POST "allow"/"deny" answers with a redirect to the
``redirect_uri`` carrying ``code``+``state`` or ``error=access_denied``+``state``), one token
endpoint for the ``authorization_code`` and ``refresh_token`` grants, and a revoke endpoint.
Each provider subclass sets its paths, how the client authenticates (``client_auth``: HTTP
Basic, form fields, or either), the token lifetimes, whether refresh tokens exist and rotate,
and the shape of its errors (``oauth_error``).

What hurts in the real services is modelled: a code works once and for ``CODE_LIFETIME``
seconds, the redirect URI and the PKCE verifier are checked, a rotated refresh token works
once, ``revoke_app()`` stops every token. Issued access tokens are accepted by the API part of
the server (``issued_token_valid``) as long as they live.
"""

import base64
import hashlib
import html
import secrets
import time
from urllib.parse import urlencode

from .base import RecordedRequest, Reply

CODE_LIFETIME = 30

AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


class OAuthProviderMixin:
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/token"
    revoke_path = "/oauth/revoke"
    client_auth = "either"  # "basic", "post" or "either"
    access_lifetime: int | None = None  # seconds; None: the token does not expire
    issue_refresh = False
    refresh_lifetime: int | None = None  # announced as refresh_token_expires_in
    pkce_required = True
    token_prefix = "at-"
    consent_title = "Authorize PA Planner"

    def _reset_oauth(self) -> None:
        self.clients: dict[str, str] = {}  # client_id -> client_secret
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, float] = {}  # token -> expiry (epoch; inf: never)
        self.refresh_tokens: dict[str, bool] = {}  # token -> still valid
        self.token_requests = 0

    # --- what tests do to it --------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        with self._lock:
            self.access_tokens = {token: 0 for token in self.access_tokens}

    def revoke_app(self) -> None:
        """The person removed the app from their account: every token stops working."""
        with self._lock:
            self.access_tokens.clear()
            self.refresh_tokens = {token: False for token in self.refresh_tokens}

    def issued_token_valid(self, token: str) -> bool:
        return self.access_tokens.get(token, 0) > time.time()

    # --- the protocol ---------------------------------------------------------------------

    def oauth_error(self, status: int, error: str, description: str) -> Reply:
        return Reply(status, {"error": error, "error_description": description})

    def oauth_handle(self, request: RecordedRequest) -> Reply | None:
        """The OAuth endpoints' answer, or None for a request to the API itself."""
        if request.path == self.authorize_path:
            return self._authorize(request)
        if request.path == self.token_path and request.method in ("POST", "GET"):
            return self._token(request)
        if request.path == self.revoke_path and request.method == "POST":
            token = request.field("token", "")
            self.access_tokens.pop(token, None)
            if token in self.refresh_tokens:
                self.refresh_tokens[token] = False
            return Reply(200, {})
        return None

    def _authorize(self, request: RecordedRequest) -> Reply:
        params = {name: request.field(name, "") for name in AUTHORIZE_PARAMS}
        if params["client_id"] not in self.clients or params["response_type"] != "code":
            return Reply(400, "<h1>Invalid client</h1>", {"Content-Type": "text/html"})
        if request.method == "GET":
            fields = "".join(
                f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
                for name, value in params.items()
            )
            page = (
                f"<!doctype html><html lang='en'><title>{self.consent_title}</title><main>"
                f"<h1>{self.consent_title}</h1><form method='post'>{fields}"
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

    def _client(self, request: RecordedRequest) -> str | None:
        """The authenticated client id, or None."""
        header = request.header("authorization") or ""
        if header.startswith("Basic ") and self.client_auth in ("basic", "either"):
            try:
                client_id, secret = base64.b64decode(header[6:]).decode().split(":", 1)
            except ValueError:
                return None
        elif self.client_auth in ("post", "either"):
            client_id = request.field("client_id", "")
            secret = request.field("client_secret", "")
        else:
            return None
        if client_id in self.clients and secrets.compare_digest(self.clients[client_id], secret):
            return client_id
        return None

    def _token(self, request: RecordedRequest) -> Reply:
        self.token_requests += 1
        client_id = self._client(request)
        if client_id is None:
            return self.oauth_error(401, "invalid_client", "Client authentication failed")
        grant = request.field("grant_type")
        if grant == "authorization_code":
            return self._exchange_code(request, client_id)
        if grant == "refresh_token" and self.issue_refresh:
            old = request.field("refresh_token", "")
            if not self.refresh_tokens.get(old):
                return self.oauth_error(400, "invalid_grant", "The refresh token is invalid.")
            self.refresh_tokens[old] = False  # rotation: it works once
            return self.issue(scope=request.field("scope", "") or "")
        return self.other_grant(request, client_id, grant)

    def other_grant(self, request: RecordedRequest, client_id: str, grant: str) -> Reply:
        return self.oauth_error(400, "unsupported_grant_type", "grant_type not supported")

    def _exchange_code(self, request: RecordedRequest, client_id: str) -> Reply:
        code = self.codes.pop(request.field("code", ""), None)  # a code works once
        if code is None or code["expires"] < time.time() or code["client_id"] != client_id:
            return self.oauth_error(400, "invalid_grant", "The authorization code is invalid.")
        if request.field("redirect_uri") != code["redirect_uri"]:
            return self.oauth_error(400, "invalid_grant", "redirect_uri does not match")
        if code["code_challenge"] or self.pkce_required:
            verifier = request.field("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if code["code_challenge_method"] != "S256" or challenge != code["code_challenge"]:
                return self.oauth_error(400, "invalid_grant", "code_verifier does not match")
        return self.issue(scope=code["scope"])

    def issue(self, *, scope: str, lifetime: int | None = None) -> Reply:
        lifetime = lifetime if lifetime is not None else self.access_lifetime
        access = self.token_prefix + secrets.token_urlsafe(24)
        self.access_tokens[access] = time.time() + lifetime if lifetime else float("inf")
        body = {"access_token": access, "token_type": "bearer", "scope": scope}
        if lifetime:
            body["expires_in"] = lifetime
        if self.issue_refresh:
            refresh = "rt-" + secrets.token_urlsafe(24)
            self.refresh_tokens[refresh] = True
            body["refresh_token"] = refresh
            if self.refresh_lifetime:
                body["refresh_token_expires_in"] = self.refresh_lifetime
        return Reply(200, body)
