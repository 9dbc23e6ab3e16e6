"""LinkedIn organization posts: ``POST /rest/posts`` (Posts API, versioned).

Headers ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version: 2.0.0``; the author is
``urn:li:organization:<id>``; the new post's URN comes back in the ``x-restli-id`` header
(201, empty body). Config: ``organization_id``, optional ``linkedin_version`` and
``base_url`` (default ``https://api.linkedin.com``). Secret: the member access token with
``w_organization_social``. No idempotency key.
"""

from urllib.parse import quote

from ._http import client_for, json_or_empty, raise_for_status, require, require_secret, send
from .base import Adapter, PermanentError, PublishRequest, PublishResult

TEXT_LIMIT = 3000
DEFAULT_VERSION = "202411"


def _message(response) -> str:
    return str(json_or_empty(response).get("message", ""))


class LinkedInAdapter(Adapter):
    kind = "linkedin"
    supports_delete = True
    supports_verify = True

    def verify(self, *, config: dict, secret: str) -> str:
        organization = require(config, "organization_id", self.kind)
        with self._client(config, secret) as client:
            response = send(
                client,
                "GET",
                f"/rest/organizations/{organization}",
                secret=secret,
                kind=self.kind,
                may_duplicate=False,
            )
        raise_for_status(response, secret=secret, kind=self.kind, message_of=_message)
        return str(json_or_empty(response).get("localizedName", ""))

    def _client(self, config: dict, secret: str):
        token = require_secret(secret, self.kind)
        headers = {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": str(config.get("linkedin_version") or DEFAULT_VERSION),
            "X-Restli-Protocol-Version": "2.0.0",
        }
        base_url = config.get("base_url") or "https://api.linkedin.com"
        return client_for(config, base_url=base_url, headers=headers)

    def publish(self, request: PublishRequest) -> PublishResult:
        organization = require(request.config, "organization_id", self.kind)
        if len(request.text) > TEXT_LIMIT:
            raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri")
        body = {
            "author": f"urn:li:organization:{organization}",
            "commentary": request.text,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if request.link:
            body["content"] = {"article": {"source": request.link, "title": request.title}}
        with self._client(request.config, request.secret) as client:
            response = send(
                client, "POST", "/rest/posts", secret=request.secret, kind=self.kind, json=body
            )
        raise_for_status(response, secret=request.secret, kind=self.kind, message_of=_message)
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise PermanentError(f"{self.kind}: risposta senza x-restli-id")
        return PublishResult(external_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        with self._client(config, secret) as client:
            response = send(
                client,
                "DELETE",
                f"/rest/posts/{quote(external_id, safe='')}",
                secret=secret,
                kind=self.kind,
                may_duplicate=False,
            )
        raise_for_status(response, secret=secret, kind=self.kind, message_of=_message)
