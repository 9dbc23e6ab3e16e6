"""LinkedIn's 3-legged OAuth and the organizations a person administers, on top of the Posts
API server.

As documented: the authorization page at ``/oauth/v2/authorization``, the token endpoint at
``/oauth/v2/accessToken`` (client id and secret in the form), access tokens of 60 days,
refresh tokens (a year) only for apps LinkedIn approved for them (``issue_refresh``),
``GET /rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED`` and
``GET /rest/organizations/{id}`` (both versioned: ``LinkedIn-Version`` and
``X-Restli-Protocol-Version: 2.0.0``). Errors as LinkedIn sends them.
"""

from dataclasses import replace

from .base import RecordedRequest, Reply
from .linkedin import LinkedInServer, _error
from .oauth import OAuthProviderMixin


class LinkedInOAuthServer(OAuthProviderMixin, LinkedInServer):
    authorize_path = "/oauth/v2/authorization"
    token_path = "/oauth/v2/accessToken"
    revoke_path = "/oauth/v2/revoke"
    client_auth = "post"
    access_lifetime = 60 * 24 * 3600
    refresh_lifetime = 365 * 24 * 3600
    pkce_required = False
    token_prefix = "AQV-"
    consent_title = "PA Planner would like to access your LinkedIn account"
    client_id = "linkedin-client-id"
    client_secret = "linkedin-client-secret"

    def __init__(self, *, issue_refresh: bool = False, **kwargs):
        self.issue_refresh = issue_refresh
        self._reset_state()
        super().__init__(**kwargs)

    def _reset_state(self):
        super()._reset_state()
        self._reset_oauth()
        self.clients[self.client_id] = self.client_secret
        # What the person who logs in administers, and one they only follow.
        self.organizations = {self.organization_id: "Comune di Esempio", "87654321": "Pro Loco"}
        self.acls = [
            (self.organization_id, "ADMINISTRATOR"),
            ("87654321", "ADMINISTRATOR"),
            ("11111111", "CONTENT_ADMINISTRATOR"),
        ]

    def handle(self, request: RecordedRequest) -> Reply:
        reply = self.oauth_handle(request)
        if reply is not None:
            return reply
        token = (request.header("authorization") or "").removeprefix("Bearer ")
        if self.issued_token_valid(token):
            request = replace(request, headers={**request.headers})
            request.headers["authorization"] = f"Bearer {self.token}"
        if request.method == "GET" and (
            request.path == "/rest/organizationAcls"
            or request.path.startswith("/rest/organizations/")
        ):
            if request.header("authorization") != f"Bearer {self.token}":
                return _error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
            if not request.header("linkedin-version"):
                return _error(400, "A version must be present.", "VERSION_MISSING")
            if request.path == "/rest/organizationAcls":
                return self._acls(request)
            org_id = request.path.rsplit("/", 1)[-1]
            if org_id not in self.organizations:
                return _error(403, "Not enough permissions to access organization", "ACCESS_DENIED")
            return Reply(200, {"id": int(org_id), "localizedName": self.organizations[org_id]})
        return super().handle(request)

    def _acls(self, request: RecordedRequest) -> Reply:
        if request.field("q") != "roleAssignee":
            return _error(400, "Invalid query parameters passed to request", "ILLEGAL_ARGUMENT")
        role = request.field("role")
        elements = [
            {
                "roleAssignee": "urn:li:person:abc123",
                "state": "APPROVED",
                "role": acl_role,
                "organization": f"urn:li:organization:{org_id}",
            }
            for org_id, acl_role in self.acls
            if role in (None, acl_role)
        ]
        return Reply(200, {"elements": elements, "paging": {"count": 10, "start": 0, "links": []}})
