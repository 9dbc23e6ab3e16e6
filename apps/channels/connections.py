"""Connecting a channel with the network's own login, and keeping its token alive.

OAuth 2.0 authorization code with PKCE (S256) and ``state``, through Authlib's httpx client;
nothing of the protocol is written by hand. A refresh is claimed with a conditional UPDATE
(``refresh_claimed_until``), so two workers never spend the same rotating refresh token, and a
worker that loses the claim leaves the connection as it is.

Providers (:func:`provider_for`): X (2-hour access tokens, rotating refresh tokens through
``offline.access``); Mastodon (any instance: the app registers itself there once, tokens do
not expire); Meta for Facebook Pages and Instagram professional accounts (a long-lived user
token, then the chosen Page's token, which does not expire); LinkedIn organization pages
(about 60 days, refresh tokens only for partner apps). Meta and LinkedIn end with a choice
(which Page, which organization): the login's token waits encrypted in the session until the
administrator picks, and only then is anything saved. The app's client id and secret come from
the environment (Mastodon's from its own registration, :class:`MastodonApp`).
"""

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import OAuth2Client
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.mail import administrators
from apps.audit.services import record
from apps.core.encryption import decrypt, encrypt
from apps.notifications.enums import Kind
from apps.notifications.services import Email, notify

from . import atproto
from .addresses import AddressRefused, check_public, normalise_instance
from .enums import ChannelKind
from .models import Channel, ChannelConnection, ConnectionStatus, MastodonApp
from .selectors import expiring_connections, warning_due

logger = logging.getLogger(__name__)

# Refresh this long before the access token lapses (X's live two hours).
REFRESH_MARGIN = timedelta(minutes=30)
# Threads' long-lived token (60 days) refreshes itself once it is a day old: a week ahead
# leaves room for a provider that is down for days, well before the token lapses.
REFRESH_MARGINS = {"threads": timedelta(days=7)}


def refresh_margin(provider: str) -> timedelta:
    return REFRESH_MARGINS.get(provider, REFRESH_MARGIN)


# How long one worker holds the right to refresh a connection.
REFRESH_CLAIM = timedelta(seconds=60)
# Errors after which only a person can reconnect (RFC 6749 §5.2).
RECONNECT_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})
PENDING_TTL = timedelta(minutes=10)
HTTP_TIMEOUT = 10.0
LINKEDIN_VERSION = "202411"
MASTODON_SCOPES = "read:accounts read:statuses write:statuses write:media"


class ConnectionError(Exception):  # noqa: A001 - the domain's word; builtins' is not used here
    """A connection that could not be made; the message is shown on the channel page."""


@dataclass(frozen=True)
class Provider:
    name: str
    label: str
    authorize_url: str
    token_url: str
    api_url: str
    scope: str
    client_id: str
    client_secret: str
    auth_method: str = "client_secret_basic"
    env_prefix: str = ""  # where its client id comes from; "" when it registers itself
    refreshes: bool = True  # whether its tokens can be refreshed at all

    @property
    def configured(self) -> bool:
        return bool(self.client_id) or not self.env_prefix


@dataclass(frozen=True)
class Choice:
    """A Page or organization the person may connect the channel to."""

    id: str
    label: str


META_KINDS = (ChannelKind.FACEBOOK, ChannelKind.INSTAGRAM)


def provider_for(channel: Channel) -> Provider | None:
    """The login a channel of this kind connects with, or None (paste a token instead)."""
    kind = channel.kind
    if kind == ChannelKind.X:
        x = settings.OAUTH_PROVIDERS["x"]
        return Provider(
            name="x",
            label="X",
            authorize_url=x["authorize_url"],
            token_url=x["api_url"].rstrip("/") + "/2/oauth2/token",
            api_url=x["api_url"].rstrip("/"),
            scope="tweet.read tweet.write users.read media.write offline.access",
            client_id=x["client_id"],
            client_secret=x["client_secret"],
            env_prefix="PA_PLANNER_X",
        )
    if kind in META_KINDS:
        meta = settings.OAUTH_PROVIDERS["meta"]
        return Provider(
            name="meta",
            label="Facebook",
            authorize_url=meta["authorize_url"],
            token_url=meta["api_url"].rstrip("/") + "/oauth/access_token",
            api_url=meta["api_url"].rstrip("/"),
            scope=(
                "pages_show_list,pages_read_engagement,pages_manage_posts,"
                "instagram_basic,instagram_content_publish,business_management"
            ),
            client_id=meta["client_id"],
            client_secret=meta["client_secret"],
            auth_method="client_secret_post",
            env_prefix="PA_PLANNER_META",
            refreshes=False,
        )
    if kind == ChannelKind.LINKEDIN:
        linkedin = settings.OAUTH_PROVIDERS["linkedin"]
        return Provider(
            name="linkedin",
            label="LinkedIn",
            authorize_url=linkedin["authorize_url"],
            token_url=linkedin["token_url"],
            api_url=linkedin["api_url"].rstrip("/"),
            scope="rw_organization_admin w_organization_social r_organization_social",
            client_id=linkedin["client_id"],
            client_secret=linkedin["client_secret"],
            auth_method="client_secret_post",
            env_prefix="PA_PLANNER_LINKEDIN",
        )
    if kind == ChannelKind.THREADS:
        threads = settings.OAUTH_PROVIDERS["threads"]
        api = threads["api_url"].rstrip("/")
        return Provider(
            name="threads",
            label="Threads",
            authorize_url=threads["authorize_url"],
            token_url=api + "/oauth/access_token",
            api_url=api,
            scope="threads_basic,threads_content_publish",
            client_id=threads["client_id"],
            client_secret=threads["client_secret"],
            auth_method="client_secret_post",
            env_prefix="PA_PLANNER_THREADS",
        )
    if kind == ChannelKind.MASTODON:
        return _mastodon_provider(None)
    return None


def _mastodon_provider(app: MastodonApp | None) -> Provider:
    base = app.base_url if app else ""
    return Provider(
        name="mastodon",
        label="Mastodon",
        authorize_url=base + "/oauth/authorize",
        token_url=base + "/oauth/token",
        api_url=base,
        scope=MASTODON_SCOPES,
        client_id=app.client_id if app else "",
        client_secret=app.client_secret if app else "",
        auth_method="client_secret_post",
        refreshes=False,
    )


def redirect_uri() -> str:
    """The address to register at the provider as the app's callback."""
    return settings.SITE_URL + reverse("channels:connect_callback")


def _client(provider: Provider, **kwargs) -> OAuth2Client:
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret or None,
        token_endpoint_auth_method=provider.auth_method if provider.client_secret else "none",
        scope=provider.scope,
        redirect_uri=redirect_uri(),
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
        follow_redirects=False,
        **kwargs,
    )


def _mastodon_app(instance: str) -> MastodonApp:
    """PA Planner's registration on ``instance``: made once (``POST /api/v1/apps``), reused."""
    app = MastodonApp.objects.filter(base_url=instance).first()
    if app is not None and app.redirect_uri == redirect_uri() and app.client_id:
        return app
    not_mastodon = ConnectionError(
        _(
            "%(a)s non risponde come un server Mastodon: controlla l'indirizzo dell'istanza "
            "(es. https://mastodon.uno)."
        )
        % {"a": instance}
    )
    try:
        response = httpx.post(
            instance + "/api/v1/apps",
            data={
                "client_name": f"PA Planner · {settings.COMUNE_NAME}"[:60],
                "redirect_uris": redirect_uri(),
                "scopes": MASTODON_SCOPES,
                "website": settings.SITE_URL,
            },
            timeout=HTTP_TIMEOUT,
            follow_redirects=False,
        )
        body = response.json()
    except (httpx.HTTPError, ValueError):
        raise not_mastodon from None
    if response.status_code == 422 and isinstance(body, dict) and body.get("error"):
        raise ConnectionError(
            _("L'istanza ha rifiutato la registrazione dell'app: %(e)s")
            % {"e": str(body["error"])[:200]}
        )
    if (
        response.status_code != 200
        or not isinstance(body, dict)
        or not body.get("client_id")
        or not body.get("client_secret")
    ):
        raise not_mastodon
    app, _created = MastodonApp.objects.update_or_create(
        base_url=instance,
        defaults={
            "redirect_uri": redirect_uri(),
            "client_id": str(body["client_id"]),
            "client_secret": str(body["client_secret"]),
        },
    )
    return app


def start_connection(channel: Channel, *, instance: str = "") -> tuple[str, dict]:
    """The provider's login address, and what the session keeps until the callback.

    ``instance``: for Mastodon, the instance address the administrator typed."""
    provider = provider_for(channel)
    if provider is None or not provider.configured:
        raise ConnectionError(_("Questo tipo di canale non si collega con un accesso."))
    pending = {"channel": channel.pk, "started": timezone.now().timestamp()}
    if provider.name == "mastodon":
        try:
            base = normalise_instance(instance)
            check_public(base)
        except AddressRefused as exc:
            raise ConnectionError(str(exc)) from None
        provider = _mastodon_provider(_mastodon_app(base))
        pending["instance"] = base
    verifier = secrets.token_urlsafe(64)
    with _client(provider) as client:
        url, state = client.create_authorization_url(provider.authorize_url, code_verifier=verifier)
    pending["state"], pending["verifier"] = state, verifier
    return url, pending


def _pending_provider(channel: Channel, pending: dict) -> Provider | None:
    provider = provider_for(channel)
    if provider is not None and provider.name == "mastodon":
        app = MastodonApp.objects.filter(base_url=pending.get("instance", "")).first()
        return _mastodon_provider(app) if app else None
    return provider


def finish_connection(*, pending: dict | None, callback_url: str, query: dict, by):
    """Exchange the code the provider sent back, look up the account, store the tokens.

    Returns the :class:`ChannelConnection`, or, for a provider where the person must still
    pick a Page or an organization, a dict for the session (see :func:`choices_for`).
    Every refusal (wrong or stale ``state``, denied consent, a code already used or expired,
    a provider error) raises :class:`ConnectionError` and saves nothing.
    """
    if not pending or not secrets.compare_digest(
        str(query.get("state", "")), str(pending.get("state", ""))
    ):
        raise ConnectionError(
            _("La risposta del servizio non corrisponde a una richiesta di collegamento: riprova.")
        )
    if timezone.now().timestamp() - float(pending.get("started", 0)) > PENDING_TTL.seconds:
        raise ConnectionError(_("Il collegamento è scaduto: riprova da capo."))
    channel = Channel.objects.filter(pk=pending.get("channel")).first()
    provider = _pending_provider(channel, pending) if channel else None
    if provider is None:
        raise ConnectionError(_("Il canale non esiste più."))
    if query.get("error"):
        if query["error"] == "access_denied":
            raise ConnectionError(
                _("Accesso negato su %(p)s: il canale non è collegato.") % {"p": provider.label}
            )
        raise ConnectionError(
            _("%(p)s ha risposto con un errore (%(e)s): il canale non è collegato.")
            % {"p": provider.label, "e": str(query["error"])[:100]}
        )
    try:
        with _client(provider) as client:
            token = client.fetch_token(
                provider.token_url,
                authorization_response=callback_url,
                code_verifier=pending["verifier"],
            )
            if provider.name == "meta":
                token = _meta_long_lived(client, provider, token)
                return _choosing(channel, provider, token)
            if provider.name == "linkedin":
                return _choosing(channel, provider, token)
            if provider.name == "threads":
                token = _threads_long_lived(provider, token)
                account = _threads_account(provider, token)
            else:
                account = _account(client, provider)
    except (
        AuthlibBaseError,
        httpx.HTTPError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
    ) as exc:
        logger.warning("Connecting channel %s failed: %s", channel.pk, type(exc).__name__)
        raise ConnectionError(
            _("%(p)s non ha completato il collegamento (%(e)s): riprova.")
            % {"p": provider.label, "e": _error_code(exc)}
        ) from None
    config = {"base_url": provider.api_url} if provider.name == "mastodon" else None
    if provider.name == "threads":
        config = {
            "threads_user_id": account["id"],
            "base_url": f"{provider.api_url}/{THREADS_VERSION}",
        }
    return save_connection(channel, provider, token, account, by=by, config=config)


THREADS_VERSION = "v1.0"


def _threads_get(provider: Provider, path: str, **params) -> dict:
    """A GET to Threads' Graph API; its error (Graph's shape) as a ValueError naming its type."""
    response = httpx.get(
        provider.api_url + path, params=params, timeout=HTTP_TIMEOUT, follow_redirects=False
    )
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
        error = (body.get("error") or {}) if isinstance(body, dict) else {}
        raise ValueError(str(error.get("type") or error.get("code") or response.status_code))
    return body


def _threads_long_lived(provider: Provider, token: dict) -> dict:
    """Threads' short-lived token (an hour) for a long-lived one (60 days), which refreshes
    itself (``th_refresh_token``): it is kept as its own refresh token too, so the refresh task
    finds it."""
    body = _threads_get(
        provider,
        "/access_token",
        grant_type="th_exchange_token",
        client_secret=provider.client_secret,
        access_token=token["access_token"],
    )
    return _threads_token(body)


def _threads_token(body: dict) -> dict:
    """A long-lived Threads token as stored: it is its own refresh token, and lapses with it."""
    expires_in = body.get("expires_in") or 60 * 86400
    return {
        "access_token": body["access_token"],
        "refresh_token": body["access_token"],
        "expires_in": expires_in,
        "refresh_token_expires_in": expires_in,
    }


def _threads_account(provider: Provider, token: dict) -> dict:
    response = httpx.get(
        f"{provider.api_url}/{THREADS_VERSION}/me",
        params={"fields": "id,username"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=HTTP_TIMEOUT,
        follow_redirects=False,
    )
    response.raise_for_status()
    data = response.json()
    return {"id": str(data["id"]), "name": "@" + str(data.get("username", ""))}


def _account(client: OAuth2Client, provider: Provider) -> dict:
    if provider.name == "mastodon":
        response = client.get(provider.api_url + "/api/v1/accounts/verify_credentials")
        response.raise_for_status()
        data = response.json()
        host = provider.api_url.split("://", 1)[1]
        return {"id": str(data["id"]), "name": f"@{data['acct']}@{host}"}
    response = client.get(provider.api_url + "/2/users/me")
    response.raise_for_status()
    data = response.json().get("data") or {}
    return {"id": str(data.get("id", "")), "name": "@" + str(data.get("username", ""))}


def _error_code(exc: Exception) -> str:
    error = getattr(exc, "error", "") or type(exc).__name__
    if isinstance(error, dict):  # Graph API: {"message": ..., "type": ..., "code": ...}
        error = error.get("type") or error.get("code") or "error"
    return str(error)[:80]


def _expiry(token: dict) -> datetime | None:
    if token.get("expires_at"):
        return datetime.fromtimestamp(float(token["expires_at"]), tz=UTC)
    if token.get("expires_in"):
        return timezone.now() + timedelta(seconds=float(token["expires_in"]))
    return None


def _refresh_expiry(token: dict) -> datetime | None:
    """When the refresh token lapses, if the provider says (``refresh_token_expires_in``)."""
    try:
        seconds = float(token.get("refresh_token_expires_in") or 0)
    except (TypeError, ValueError):
        return None
    return timezone.now() + timedelta(seconds=seconds) if seconds > 0 else None


def save_connection(
    channel, provider, token, account, *, by, config: dict | None = None
) -> ChannelConnection:
    """Store the connection (and the channel's ids, when the login chose them) at once."""
    now = timezone.now()
    with transaction.atomic():
        if config:
            channel.config = {**(channel.config or {}), **config}
            channel.save(update_fields=["config"])
        connection, created = ChannelConnection.objects.update_or_create(
            channel=channel,
            defaults={
                "provider": provider.name,
                "status": ConnectionStatus.CONNECTED,
                "account_id": account["id"][:200],
                "account_name": account["name"][:200],
                "access_token": token["access_token"],
                "refresh_token": token.get("refresh_token", "") or "",
                "expires_at": _expiry(token),
                "refresh_expires_at": _refresh_expiry(token),
                "scope": str(token.get("scope", ""))[:500],
                "connected_at": now,
                "connected_by": by,
                "last_refreshed_at": None,
                "refresh_claimed_until": None,
                "last_error": "",
                "expiry_warned_days": None,
            },
        )
        record(
            action="channel.connected" if created else "channel.reconnected",
            actor=by,
            obj=channel,
            summary=lambda: _("Collegato come %(account)s") % {"account": connection.account_name},
            after={
                "account": connection.account_name,
                "provider": provider.name,
                **({"config": config} if config else {}),
            },
        )
    return connection


# --- Choosing a Page or an organization (Meta, LinkedIn) -------------------------------------


def _meta_long_lived(client: OAuth2Client, provider: Provider, token: dict) -> dict:
    """Facebook's short-lived user token (hours) for a long-lived one (about 60 days): the
    Page tokens derived from it do not expire."""
    response = client.get(
        provider.token_url,
        params={
            "grant_type": "fb_exchange_token",
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
            "fb_exchange_token": token["access_token"],
        },
    )
    body = response.json()
    if response.status_code != 200 or not body.get("access_token"):
        error = (body.get("error") or {}) if isinstance(body, dict) else {}
        raise ValueError(str(error.get("type") or "fb_exchange_token"))
    return {k: body[k] for k in ("access_token", "expires_in") if k in body}


def _choosing(channel: Channel, provider: Provider, token: dict) -> dict:
    """What the session keeps while the person picks: the token, encrypted."""
    return {
        "channel": channel.pk,
        "provider": provider.name,
        "token": encrypt(json.dumps(dict(token))),
        "started": timezone.now().timestamp(),
    }


def _choosing_state(choosing: dict | None) -> tuple[Channel, Provider, dict]:
    if not choosing or timezone.now().timestamp() - float(choosing.get("started", 0)) > (
        PENDING_TTL.seconds
    ):
        raise ConnectionError(_("Il collegamento è scaduto: riprova da capo."))
    channel = Channel.objects.filter(pk=choosing.get("channel")).first()
    provider = provider_for(channel) if channel else None
    if provider is None or provider.name != choosing.get("provider"):
        raise ConnectionError(_("Il canale non esiste più o ha cambiato tipo: riprova."))
    try:
        token = json.loads(decrypt(choosing["token"]))
    except Exception:  # an unreadable or tampered value: start again
        raise ConnectionError(_("Il collegamento è scaduto: riprova da capo.")) from None
    return channel, provider, token


def _api(provider: Provider, token: dict, path: str, **params) -> dict:
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    if provider.name == "linkedin":
        headers.update({"LinkedIn-Version": LINKEDIN_VERSION, "X-Restli-Protocol-Version": "2.0.0"})
    response = httpx.get(
        provider.api_url + path,
        params=params,
        headers=headers,
        timeout=HTTP_TIMEOUT,
        follow_redirects=False,
    )
    response.raise_for_status()
    return response.json()


def _meta_pages(provider: Provider, token: dict) -> list[dict]:
    pages = []
    after = None
    for _page in range(10):  # 25 Pages a page; an office manages a handful
        params = {"fields": "id,name,access_token,instagram_business_account{id,username}"}
        if after:
            params["after"] = after
        body = _api(provider, token, "/me/accounts", **params)
        pages.extend(body.get("data") or [])
        after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
        if not after or not (body.get("paging") or {}).get("next"):
            break
    return pages


def _linkedin_organizations(provider: Provider, token: dict) -> list[dict]:
    body = _api(
        provider,
        token,
        "/rest/organizationAcls",
        q="roleAssignee",
        role="ADMINISTRATOR",
        state="APPROVED",
    )
    organizations = []
    for element in body.get("elements") or []:
        urn = str(element.get("organization", ""))
        org_id = urn.rsplit(":", 1)[-1]
        if not org_id.isdigit():
            continue
        details = _api(provider, token, f"/rest/organizations/{org_id}")
        organizations.append({"id": org_id, "name": str(details.get("localizedName") or urn)})
    return organizations


def _choices(channel: Channel, provider: Provider, token: dict) -> list[tuple[Choice, dict]]:
    """(what the person sees, what is saved) for each Page or organization on offer."""
    result = []
    if provider.name == "linkedin":
        for org in _linkedin_organizations(provider, token):
            result.append(
                (
                    Choice(org["id"], org["name"]),
                    {
                        "account": {"id": org["id"], "name": org["name"]},
                        "token": token,
                        "config": {"organization_id": org["id"]},
                    },
                )
            )
        return result
    for page in _meta_pages(provider, token):
        page_token = {"access_token": str(page.get("access_token", ""))}
        if channel.kind == ChannelKind.FACEBOOK:
            result.append(
                (
                    Choice(str(page["id"]), str(page.get("name", page["id"]))),
                    {
                        "account": {"id": str(page["id"]), "name": str(page.get("name", ""))},
                        "token": page_token,
                        "config": {"page_id": str(page["id"])},
                    },
                )
            )
            continue
        instagram = page.get("instagram_business_account") or {}
        if not instagram.get("id"):
            continue  # a Page with no Instagram professional account linked to it
        name = "@" + str(instagram.get("username") or instagram["id"])
        result.append(
            (
                Choice(
                    str(instagram["id"]),
                    _("%(ig)s (Pagina %(page)s)") % {"ig": name, "page": page.get("name", "")},
                ),
                {
                    "account": {"id": str(instagram["id"]), "name": name},
                    "token": page_token,
                    "config": {"ig_user_id": str(instagram["id"]), "page_id": str(page["id"])},
                },
            )
        )
    return result


def choices_for(choosing: dict | None) -> tuple[Channel, Provider, list[Choice]]:
    """The Pages or organizations the person who logged in may connect the channel to."""
    channel, provider, token = _choosing_state(choosing)
    try:
        options = _choices(channel, provider, token)
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConnectionError(
            _("%(p)s non ha elencato le pagine (%(e)s): riprova.")
            % {"p": provider.label, "e": type(exc).__name__}
        ) from None
    return channel, provider, [choice for choice, _saved in options]


def finish_choice(*, choosing: dict | None, choice_id: str, by) -> ChannelConnection:
    """Connect the channel to the Page or organization picked (asked of the API again: the
    id posted is only a choice among what the person may manage)."""
    channel, provider, token = _choosing_state(choosing)
    try:
        options = _choices(channel, provider, token)
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConnectionError(
            _("%(p)s non ha elencato le pagine (%(e)s): riprova.")
            % {"p": provider.label, "e": type(exc).__name__}
        ) from None
    saved = next((s for choice, s in options if choice.id == str(choice_id)), None)
    if saved is None:
        raise ConnectionError(_("Scegli una delle pagine elencate."))
    return save_connection(
        channel, provider, saved["token"], saved["account"], by=by, config=saved["config"]
    )


# --- Keeping it alive ---------------------------------------------------------------------


def connections_to_refresh(now: datetime | None = None):
    now = now or timezone.now()
    due = Q(expires_at__lt=now + REFRESH_MARGIN)
    for provider, margin in REFRESH_MARGINS.items():
        due |= Q(provider=provider, expires_at__lt=now + margin)
    return ChannelConnection.objects.filter(due, status=ConnectionStatus.CONNECTED).exclude(
        refresh_token=""
    )


def _claim(connection_id: int, now: datetime) -> bool:
    return bool(
        ChannelConnection.objects.filter(pk=connection_id)
        .filter(Q(refresh_claimed_until__isnull=True) | Q(refresh_claimed_until__lt=now))
        .update(refresh_claimed_until=now + REFRESH_CLAIM)
    )


def refresh_connection(*, connection_id: int, now: datetime | None = None) -> str:
    """Refresh one connection's token: "refreshed", "skipped" (another worker has it, or it is
    fresh), "retry" (the provider could not answer now) or "needs_reconnect"."""
    now = now or timezone.now()
    if not _claim(connection_id, now):
        return "skipped"
    connection = ChannelConnection.objects.select_related("channel").get(pk=connection_id)
    if connection.status != ConnectionStatus.CONNECTED or not connection.refresh_token:
        _release(connection_id)
        return "skipped"
    if connection.expires_at and connection.expires_at > now + refresh_margin(connection.provider):
        _release(connection_id)
        return "skipped"  # refreshed by someone else meanwhile
    spent = connection.refresh_token
    if connection.provider == "bluesky":
        return _refresh_bluesky(connection, spent)
    if connection.provider == "threads":
        return _refresh_threads(connection, spent)
    provider = provider_for(connection.channel)
    try:
        with _client(provider) as client:
            token = client.refresh_token(provider.token_url, refresh_token=spent)
    except AuthlibBaseError as exc:
        code = _error_code(exc)
        if code in RECONNECT_ERRORS:
            return _needs_reconnect(connection, code)
        return _retry_later(connection, code)
    except httpx.HTTPError as exc:
        return _retry_later(connection, type(exc).__name__)
    return _refreshed(connection, token, spent)


def _refreshed(connection: ChannelConnection, token: dict, spent: str) -> str:
    refresh_expiry = _refresh_expiry(token)
    extra = {"refresh_expires_at": refresh_expiry} if refresh_expiry else {}
    old_end = connection.refresh_expires_at
    if refresh_expiry and (old_end is None or refresh_expiry - old_end > timedelta(days=1)):
        extra["expiry_warned_days"] = None  # a new end (Threads' new token): warn about it anew
    ChannelConnection.objects.filter(pk=connection.pk).update(
        **extra,
        access_token=token["access_token"],
        # A provider that rotates sends a new one; one that does not keeps the old valid.
        refresh_token=token.get("refresh_token") or spent,
        expires_at=_expiry(token),
        last_refreshed_at=timezone.now(),
        refresh_claimed_until=None,
        last_error="",
    )
    record(
        action="channel.token_refreshed",
        obj=connection.channel,
        summary=connection.account_name,
    )
    return "refreshed"


def _refresh_threads(connection: ChannelConnection, spent: str) -> str:
    """Threads: ``GET /refresh_access_token?grant_type=th_refresh_token`` with the long-lived
    token itself, which answers a new one for 60 more days. Graph's code 190 (the token is
    invalid or lapsed, the app removed) needs a person; anything else is tried again."""
    provider = provider_for(connection.channel)
    try:
        response = httpx.get(
            provider.api_url + "/refresh_access_token",
            params={"grant_type": "th_refresh_token", "access_token": spent},
            timeout=HTTP_TIMEOUT,
            follow_redirects=False,
        )
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return _retry_later(connection, type(exc).__name__)
    body = body if isinstance(body, dict) else {}
    if response.status_code != 200 or not body.get("access_token"):
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        code = str(error.get("code") or response.status_code)
        if code in ("10", "102", "190"):
            return _needs_reconnect(connection, f"OAuthException {code}")
        return _retry_later(connection, code)
    return _refreshed(connection, _threads_token(body), spent)


def _refresh_bluesky(connection: ChannelConnection, spent: str) -> str:
    """Bluesky: ``com.atproto.server.refreshSession`` at the account's server (the refresh
    token rotates). A refused refresh token means a new login with an app password."""
    service = str((connection.channel.config or {}).get("base_url") or atproto.DEFAULT_SERVICE)
    try:
        session = atproto.refresh_session(service, refresh_jwt=spent)
    except atproto.SessionError as exc:
        if exc.needs_login:
            return _needs_reconnect(connection, exc.error)
        return _retry_later(connection, exc.error)
    return _refreshed(connection, session.as_token(), spent)


def _release(connection_id: int) -> None:
    ChannelConnection.objects.filter(pk=connection_id).update(refresh_claimed_until=None)


def _retry_later(connection: ChannelConnection, code: str) -> str:
    logger.warning("Refreshing channel %s failed (%s): retrying", connection.channel_id, code)
    ChannelConnection.objects.filter(pk=connection.pk).update(
        refresh_claimed_until=None,
        last_error=_("Rinnovo non riuscito (%(e)s): si riprova.") % {"e": code},
    )
    return "retry"


def _needs_reconnect(connection: ChannelConnection, code: str) -> str:
    with transaction.atomic():
        changed = ChannelConnection.objects.filter(
            pk=connection.pk, status=ConnectionStatus.CONNECTED
        ).update(
            status=ConnectionStatus.NEEDS_RECONNECT,
            refresh_claimed_until=None,
            last_error=_("Il servizio ha revocato l'accesso (%(e)s): ricollega il canale.")
            % {"e": code},
        )
        if changed:
            record(
                action="channel.needs_reconnect",
                obj=connection.channel,
                summary=code,
            )
            transaction.on_commit(lambda: _notify_reconnect(connection.channel_id))
    return "needs_reconnect"


def _notify_reconnect(channel_id: int) -> None:
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        return
    path = reverse("channels:edit", args=[channel.pk])
    url = settings.SITE_URL + path
    notify(
        administrators(),
        Kind.CHANNEL_RECONNECT,
        params={"channel": channel.name},
        url=path,
        email=Email(
            subject=lambda: _("Canale da ricollegare: %(channel)s") % {"channel": channel.name},
            body=lambda: (
                _(
                    "Il canale «%(channel)s» non può più pubblicare: il servizio ha revocato "
                    "l'accesso. Ricollegalo da %(url)s. Gli invii previsti aspettano."
                )
                % {"channel": channel.name, "url": url}
            ),
        ),
    )


def access_token_for(channel: Channel) -> str | None:
    """The connected account's token, "" when the channel must be reconnected, or None when
    the channel is not connected by login (it uses a pasted credential)."""
    connection = getattr(channel, "connection", None)
    if connection is None:
        return None
    if connection.status != ConnectionStatus.CONNECTED:
        return ""
    if connection.expires_at and connection.expires_at <= timezone.now():
        return ""
    return connection.access_token


# --- Warnings before a token that cannot be refreshed lapses ----------------------------


def warn_expiring_connections(*, now: datetime | None = None) -> int:
    """Email the administrators 14, 3 and 1 days before a token that cannot be refreshed
    lapses; each warning once per token (a conditional UPDATE claims it, so two runs, or two
    beats, send it once). Returns how many warnings went out."""
    now = now or timezone.now()
    sent = 0
    for expiring in expiring_connections(now=now):
        days = warning_due(expiring, now)
        connection = expiring.connection
        if days is None:
            continue
        claimed = (
            ChannelConnection.objects.filter(
                pk=connection.pk,
                expires_at=connection.expires_at,
                refresh_expires_at=connection.refresh_expires_at,
            )
            .filter(Q(expiry_warned_days__isnull=True) | Q(expiry_warned_days__gt=days))
            .update(expiry_warned_days=days)
        )
        if not claimed:
            continue
        record(
            action="channel.expiry_warned",
            obj=connection.channel,
            summary=lambda days=days: (
                ngettext(
                    "Il token scade tra meno di %(d)s giorno",
                    "Il token scade tra meno di %(d)s giorni",
                    days,
                )
                % {"d": days}
            ),
            after={"days": days},
        )
        _send_expiry_warning(connection, days)
        sent += 1
    return sent


def _send_expiry_warning(connection: ChannelConnection, days: int) -> None:
    channel = connection.channel
    path = reverse("channels:edit", args=[channel.pk])
    url = settings.SITE_URL + path
    notify(
        administrators(),
        Kind.CHANNEL_RECONNECT,
        params={"channel": channel.name, "days": days},
        url=path,
        email=Email(
            subject=lambda: (
                ngettext(
                    "Canale da ricollegare entro %(d)s giorno: %(channel)s",
                    "Canale da ricollegare entro %(d)s giorni: %(channel)s",
                    days,
                )
                % {"d": days, "channel": channel.name}
            ),
            body=lambda: (
                _(
                    "L'accesso del canale «%(channel)s» (%(account)s) scade il %(when)s e il "
                    "servizio non permette di rinnovarlo da solo. Ricollegalo prima di allora da "
                    "%(url)s, altrimenti i post previsti aspetteranno."
                )
                % {
                    "channel": channel.name,
                    "account": connection.account_name,
                    "when": timezone.localtime(connection.lapses_at).strftime("%d/%m/%Y %H:%M"),
                    "url": url,
                }
            ),
        ),
    )
