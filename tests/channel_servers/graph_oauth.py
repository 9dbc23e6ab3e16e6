"""Facebook Login and the Pages a person manages, on top of the Graph API server.

As documented for the manual login flow: the dialog at ``/v21.0/dialog/oauth``, the code
exchange at ``/v21.0/oauth/access_token`` (client id and secret as parameters; a short-lived
user token, about an hour), the same endpoint with ``grant_type=fb_exchange_token`` for a
long-lived user token (60 days), ``GET /v21.0/me/accounts`` listing the Pages with their Page
access tokens and ``instagram_business_account``. A Page token from a long-lived user token
has no expiry. Errors in Graph's shape: ``{"error": {"message", "type": "OAuthException",
"code", "fbtrace_id"}}`` (190 for a bad token, 100 for a bad parameter).
"""

import re
import secrets
import time
from dataclasses import replace

from .base import RecordedRequest, Reply
from .graph import GraphServer, _error
from .oauth import OAuthProviderMixin

LONG_LIVED = 60 * 24 * 3600


class GraphOAuthServer(OAuthProviderMixin, GraphServer):
    authorize_path = "/v21.0/dialog/oauth"
    token_path = "/v21.0/oauth/access_token"
    revoke_path = "/v21.0/me/permissions"
    client_auth = "post"
    access_lifetime = 3600  # the code gives a short-lived user token
    pkce_required = False
    token_prefix = "EAAG-user-"
    consent_title = "Log in to Facebook"
    client_id = "meta-app-id"
    client_secret = "meta-app-secret"

    def _reset_state(self):
        super()._reset_state()
        self._reset_oauth()
        self.clients[self.client_id] = self.client_secret
        self.long_lived: set[str] = set()
        self.page_tokens: dict[str, str] = {}  # token -> page id
        # The Pages the person manages; the first has the Comune's Instagram account.
        self.pages = [
            {
                "id": self.page_id,
                "name": "Comune di Esempio",
                "instagram_business_account": {
                    "id": self.ig_user_id,
                    "username": "comunediesempio",
                },
            },
            {"id": "104000000000002", "name": "Biblioteca civica"},
        ]

    def oauth_error(self, status, error, description):
        return _error(400, 100 if error != "invalid_client" else 101, description)

    def other_grant(self, request, client_id, grant):
        if grant != "fb_exchange_token":
            return _error(400, 100, "Invalid grant_type")
        short = request.field("fb_exchange_token", "")
        if not self.issued_token_valid(short):
            return _error(400, 190, "Error validating access token: Session has expired")
        reply = self.issue(scope="", lifetime=LONG_LIVED)
        self.long_lived.add(reply.body["access_token"])
        return reply

    def _token_of(self, request: RecordedRequest) -> str:
        header = request.header("authorization") or ""
        return header.removeprefix("Bearer ") if header else request.field("access_token", "")

    def handle(self, request: RecordedRequest) -> Reply:
        reply = self.oauth_handle(request)
        if reply is not None:
            return reply
        token = self._token_of(request)
        parts = [p for p in request.path.split("/") if p]
        if parts and re.fullmatch(r"v\d+\.\d+", parts[0]):
            parts = parts[1:]
        if parts == ["me", "accounts"] and request.method == "GET":
            if not self.issued_token_valid(token) or token in self.page_tokens:
                return _error(400, 190, "Invalid OAuth access token - Cannot parse access token")
            return self._accounts(request, long_lived=token in self.long_lived)
        if token in self.page_tokens and self.issued_token_valid(token):
            request = replace(request, headers={**request.headers})
            request.headers["authorization"] = f"Bearer {self.token}"
        return super().handle(request)

    def _accounts(self, request: RecordedRequest, *, long_lived: bool) -> Reply:
        fields = str(request.field("fields", "id,name"))
        data = []
        for page in self.pages:
            entry = {"id": page["id"], "name": page["name"]}
            if "access_token" in fields:
                token = "EAAG-page-" + secrets.token_urlsafe(16)
                # From a long-lived user token a Page token never expires; else an hour.
                self.access_tokens[token] = float("inf") if long_lived else time.time() + 3600
                self.page_tokens[token] = page["id"]
                entry["access_token"] = token
            if "instagram_business_account" in fields and page.get("instagram_business_account"):
                entry["instagram_business_account"] = page["instagram_business_account"]
            data.append(entry)
        cursors = {"before": "QVFIUmpk", "after": "QVFIUnRz"}
        return Reply(200, {"data": data, "paging": {"cursors": cursors}})
