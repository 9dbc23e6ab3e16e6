"""LinkedIn organization posts: ``POST /rest/posts`` (Posts API, versioned).

Headers ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version: 2.0.0``; the author is
``urn:li:organization:<id>``; the new post's URN comes back in the ``x-restli-id`` header
(201, empty body). Config: ``organization_id``, optional ``linkedin_version`` and
``base_url`` (default ``https://api.linkedin.com``). Secret: the member access token with
``w_organization_social``. No idempotency key.

Metrics (``r_organization_social``): ``GET /rest/organizationalEntityShareStatistics?q=
organizationalEntity&organizationalEntity=<org urn>&shares=List(<share urn>)`` (or
``ugcPosts=List(…)``), ``elements[0].totalShareStatistics``; 404 once deleted. Followers:
``GET /rest/networkSizes/<org urn>?edgeType=COMPANY_FOLLOWED_BY_MEMBER``, ``firstDegreeSize``.

Images (Images API): ``POST /rest/images?action=initializeUpload`` with the organization as
owner -> an upload URL and the image URN; ``PUT`` the bytes there; the post's ``content`` is
then ``media`` (one image, with ``altText``) or ``multiImage`` (2 to 20). A post has one
content: with images the link goes at the end of the text (``checks.text_as_sent``) instead
of an article card. An upload publishes nothing: a lost answer is transient.

Comments (Comments API, ``r_organization_social`` / ``w_organization_social``): the inbox
reads ``GET /rest/socialActions/{post urn}/comments?start=&count=`` (``apps.inbox.collectors
.linkedin``) and answers with ``POST /rest/socialActions/{comment urn}/comments`` as the
organization, ``object`` the post and ``parentComment`` the citizen's comment (a nested
comment). The new comment's URN is ``commentUrn`` in the 201's body.
"""

import re
from urllib.parse import quote, urlsplit

from apps.channels.enums import ChannelKind
from apps.channels.kinds import MAX_IMAGES as KIND_MAX_IMAGES
from apps.planning.checks import text_as_sent

from ._http import BearerApiAdapter, bearer_client, image_bytes, json_or_empty, require, send
from .base import (
    GoneError,
    PermanentError,
    PostMetrics,
    PublishRequest,
    PublishResult,
    ReplyRequest,
    TransientError,
    figure,
)

TEXT_LIMIT = 3000
MAX_IMAGES = KIND_MAX_IMAGES[ChannelKind.LINKEDIN]
MAX_ALT = 4086
DEFAULT_VERSION = "202411"


def _message(response) -> str:
    return str(json_or_empty(response).get("message", ""))


# The Posts API reads ``commentary`` as "little" text: these characters are markup, and an
# unescaped one silently cuts the published post short (e.g. at the first parenthesis).
_LITTLE_RESERVED = re.compile(r"[\\|{}@\[\]()<>*_~]|#(?!\w)")
_URL = re.compile(r"https?://\S+")
# urn:li:comment:(<the post's urn>,<the comment's id>)
COMMENT_URN = re.compile(
    r"^urn:li:comment:\((urn:li:(?:share|ugcPost|activity):\d{1,30}),(\d{1,30})\)$"
)


def little_text(text: str) -> str:
    """Plain text as little text: reserved characters escaped; URLs and #hashtags kept."""
    parts, position = [], 0
    for url in _URL.finditer(text):
        parts.append(_LITTLE_RESERVED.sub(r"\\\g<0>", text[position : url.start()]))
        parts.append(url.group())
        position = url.end()
    parts.append(_LITTLE_RESERVED.sub(r"\\\g<0>", text[position:]))
    return "".join(parts)


def _linkedin_host(url: str, api_host: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return parts.scheme in ("http", "https") and (
        host == api_host or host == "linkedin.com" or host.endswith(".linkedin.com")
    )


class LinkedInAdapter(BearerApiAdapter):
    kind = "linkedin"
    supports_delete = True
    supports_verify = True
    supports_reply = True  # apps.inbox: a nested comment under the citizen's

    message_of = staticmethod(_message)

    def verify(self, *, config: dict, secret: str) -> str:
        organization = require(config, "organization_id", self.kind)
        response = self.call_harmless(config, secret, "GET", f"/rest/organizations/{organization}")
        return str(json_or_empty(response).get("localizedName", ""))

    def _client(self, config: dict, secret: str):
        headers = {
            "LinkedIn-Version": str(config.get("linkedin_version") or DEFAULT_VERSION),
            "X-Restli-Protocol-Version": "2.0.0",
        }
        return bearer_client(
            config,
            secret,
            kind=self.kind,
            default_base_url="https://api.linkedin.com",
            headers=headers,
        )

    def publish(self, request: PublishRequest) -> PublishResult:
        organization = require(request.config, "organization_id", self.kind)
        images = request.images[:MAX_IMAGES]
        text = text_as_sent(request.text, self.kind, request.link, has_images=bool(images))
        if len(text) > TEXT_LIMIT:
            raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri")
        body = {
            "author": f"urn:li:organization:{organization}",
            "commentary": little_text(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if request.link and not images:
            body["content"] = {"article": {"source": request.link, "title": request.title}}
        with self._client(request.config, request.secret) as client:
            uploaded = [
                {"id": self._upload(client, request, organization, image), "altText": alt}
                for image in images
                for alt in [image.alt_text[:MAX_ALT]]
            ]
            if len(uploaded) == 1:
                body["content"] = {"media": uploaded[0]}
            elif uploaded:
                body["content"] = {"multiImage": {"images": uploaded}}
            response = send(
                client, "POST", "/rest/posts", secret=request.secret, kind=self.kind, json=body
            )
        self.raise_for(response, request.secret)
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise PermanentError(f"{self.kind}: risposta senza x-restli-id")
        return PublishResult(external_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")

    def _upload(self, client, request: PublishRequest, organization: str, image) -> str:
        response = send(
            client,
            "POST",
            "/rest/images",
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": f"urn:li:organization:{organization}"}},
        )
        self.raise_for(response, request.secret)
        value = json_or_empty(response).get("value") or {}
        upload_url, urn = str(value.get("uploadUrl") or ""), str(value.get("image") or "")
        if not urn or not _linkedin_host(upload_url, client.base_url.host):
            # The token goes with the bytes: only to LinkedIn (or the API's own host).
            raise TransientError(f"{self.kind}: caricamento dell'immagine non avviato")
        response = send(
            client,
            "PUT",
            upload_url,
            secret=request.secret,
            kind=self.kind,
            may_duplicate=False,
            content=image_bytes(image.path),
            headers={"Content-Type": "application/octet-stream"},
        )
        self.raise_for(response, request.secret)
        return urn

    def delete(self, *, external_id: str, config: dict, secret: str) -> None:
        self.call_harmless(config, secret, "DELETE", f"/rest/posts/{quote(external_id, safe='')}")

    supports_metrics = True
    supports_followers = True

    def metrics(self, *, external_id: str, config: dict, secret: str) -> PostMetrics:
        organization = require(config, "organization_id", self.kind)
        org_urn = quote(f"urn:li:organization:{organization}", safe="")
        field = "ugcPosts" if external_id.startswith("urn:li:ugcPost:") else "shares"
        # Rest.li 2.0: the List(…) stays as is, the URNs inside are encoded.
        path = (
            "/rest/organizationalEntityShareStatistics?q=organizationalEntity"
            f"&organizationalEntity={org_urn}&{field}=List({quote(external_id, safe='')})"
        )
        with self._client(config, secret) as client:
            response = send(client, "GET", path, secret=secret, kind=self.kind, may_duplicate=False)
        if response.status_code in (404, 410):
            raise GoneError(f"{self.kind}: post non più presente", status=response.status_code)
        self.raise_for(response, secret)
        elements = json_or_empty(response).get("elements")
        first = elements[0] if isinstance(elements, list) and elements else {}
        figures = first.get("totalShareStatistics") if isinstance(first, dict) else None
        figures = figures if isinstance(figures, dict) else {}
        return PostMetrics(
            reach=figure(figures, "uniqueImpressionsCount"),
            impressions=figure(figures, "impressionCount"),
            reactions=figure(figures, "likeCount"),
            comments=figure(figures, "commentCount"),
            shares=figure(figures, "shareCount"),
            link_clicks=figure(figures, "clickCount"),
        )

    def followers(self, *, config: dict, secret: str) -> int | None:
        organization = require(config, "organization_id", self.kind)
        org_urn = quote(f"urn:li:organization:{organization}", safe="")
        response = self.call_harmless(
            config,
            secret,
            "GET",
            f"/rest/networkSizes/{org_urn}",
            params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
        )
        return figure(json_or_empty(response), "firstDegreeSize")

    def reply(self, request: ReplyRequest) -> PublishResult:
        """A comment as the organization under the citizen's comment (``parentComment``)."""
        organization = require(request.config, "organization_id", self.kind)
        found = COMMENT_URN.match(request.in_reply_to)
        if not found:
            raise PermanentError(f"{self.kind}: si risponde solo ai commenti")
        if len(request.text) > TEXT_LIMIT:
            raise PermanentError(f"{self.kind}: testo oltre {TEXT_LIMIT} caratteri")
        body = {
            "actor": f"urn:li:organization:{organization}",
            "object": found.group(1),
            "parentComment": request.in_reply_to,
            "message": {"text": request.text},  # plain text, not the Posts API's little text
        }
        path = f"/rest/socialActions/{quote(request.in_reply_to, safe='')}/comments"
        with self._client(request.config, request.secret) as client:
            response = send(client, "POST", path, secret=request.secret, kind=self.kind, json=body)
        self.raise_for(response, request.secret)
        created = json_or_empty(response)
        urn = str(created.get("commentUrn") or "")
        if not urn and created.get("id"):
            urn = f"urn:li:comment:({found.group(1)},{created['id']})"
        if not urn:
            raise PermanentError(f"{self.kind}: risposta senza commentUrn")
        return PublishResult(
            external_id=urn, url=f"https://www.linkedin.com/feed/update/{found.group(1)}/"
        )
