"""A Mastodon instance an office connects to by login: the app registers itself with
``POST /api/v1/apps`` (client id and secret per app), then OAuth 2.0 authorization code with
PKCE at ``/oauth/authorize`` and ``/oauth/token`` (Doorkeeper: client credentials in the form
or with HTTP Basic; tokens without expiry), ``POST /oauth/revoke``, and
``GET /api/v1/accounts/verify_credentials`` for the account that logged in. Errors as
Mastodon sends them: ``{"error": "Validation failed: ..."}`` with 422 on registration,
RFC 6749 JSON on the token endpoint, 401 ``The access token is invalid`` on the API.
"""

import secrets
from dataclasses import replace

from .base import RecordedRequest, Reply
from .mastodon import ACCOUNT_ID, MastodonServer
from .oauth import OAuthProviderMixin


class MastodonOAuthServer(OAuthProviderMixin, MastodonServer):
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/token"
    revoke_path = "/oauth/revoke"
    client_auth = "either"
    access_lifetime = None  # Mastodon's tokens last until revoked
    issue_refresh = False
    token_prefix = "mastodon-at-"
    consent_title = "Authorization required"

    def _reset_state(self):
        super()._reset_state()
        self._reset_oauth()
        self.apps: list[dict] = []

    def handle(self, request: RecordedRequest) -> Reply:
        if request.path == "/api/v1/apps" and request.method == "POST":
            return self._register(request)
        reply = self.oauth_handle(request)
        if reply is not None:
            return reply
        token = (request.header("authorization") or "").removeprefix("Bearer ")
        if self.issued_token_valid(token):
            # Answered as for the fake's own token; the recorded request keeps what was sent.
            request = replace(request, headers={**request.headers})
            request.headers["authorization"] = f"Bearer {self.token}"
        if request.method == "GET" and request.path == "/api/v1/accounts/verify_credentials":
            if request.header("authorization") != f"Bearer {self.token}":
                return Reply(401, {"error": "The access token is invalid"})
            return Reply(
                200,
                {
                    "id": ACCOUNT_ID,
                    "username": "comune",
                    "acct": "comune",
                    "display_name": "Comune di Esempio",
                    "url": f"{self.base_url}/@comune",
                },
            )
        return super().handle(request)

    def _register(self, request: RecordedRequest) -> Reply:
        name = request.field("client_name", "") or ""
        redirect_uris = request.field("redirect_uris", "") or ""
        if isinstance(redirect_uris, list):
            redirect_uris = "\n".join(redirect_uris)
        if not name.strip():
            return Reply(422, {"error": "Validation failed: Application name can't be blank"})
        if not redirect_uris.startswith(("http://", "https://", "urn:")):
            return Reply(422, {"error": "Validation failed: Redirect URI must be an absolute URI."})
        client_id = secrets.token_urlsafe(32)
        client_secret = secrets.token_urlsafe(32)
        self.clients[client_id] = client_secret
        app = {
            "id": str(len(self.apps) + 1),
            "name": name,
            "website": request.field("website"),
            "scopes": (request.field("scopes", "read") or "read").split(),
            "redirect_uris": redirect_uris.split(),
            "redirect_uri": redirect_uris,
            "client_id": client_id,
            "client_secret": client_secret,
            "client_secret_expires_at": 0,
        }
        self.apps.append(app)
        return Reply(200, app)
