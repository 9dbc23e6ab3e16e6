"""Connecting a channel with the network's own login, and keeping its token alive.

OAuth 2.0 authorization code with PKCE (S256) and ``state``, through Authlib's httpx client;
nothing of the protocol is written by hand. A refresh is claimed with a conditional UPDATE
(``refresh_claimed_until``), so two workers never spend the same rotating refresh token, and a
worker that loses the claim leaves the connection as it is.

Providers are described in :data:`PROVIDERS`; today X (2-hour access tokens, rotating refresh
tokens through ``offline.access``). The app's client id and secret come from the environment.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import OAuth2Client
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.roles import Role
from apps.audit.services import record

from .enums import ChannelKind
from .models import Channel, ChannelConnection, ConnectionStatus

logger = logging.getLogger(__name__)

# Refresh this long before the access token lapses (X's live two hours).
REFRESH_MARGIN = timedelta(minutes=30)
# How long one worker holds the right to refresh a connection.
REFRESH_CLAIM = timedelta(seconds=60)
# Errors after which only a person can reconnect (RFC 6749 §5.2).
RECONNECT_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})
PENDING_TTL = timedelta(minutes=10)


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

    @property
    def configured(self) -> bool:
        return bool(self.client_id)


def provider_for(channel: Channel) -> Provider | None:
    """The login a channel of this kind connects with, or None (paste a token instead)."""
    if channel.kind != ChannelKind.X:
        return None
    x = settings.OAUTH_PROVIDERS["x"]
    return Provider(
        name="x",
        label="X",
        authorize_url=x["authorize_url"],
        token_url=x["api_url"].rstrip("/") + "/2/oauth2/token",
        api_url=x["api_url"].rstrip("/"),
        scope="tweet.read tweet.write users.read offline.access",
        client_id=x["client_id"],
        client_secret=x["client_secret"],
    )


def redirect_uri() -> str:
    """The address to register at the provider as the app's callback."""
    return settings.SITE_URL + reverse("channels:connect_callback")


def _client(provider: Provider, **kwargs) -> OAuth2Client:
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret or None,
        token_endpoint_auth_method="client_secret_basic" if provider.client_secret else "none",
        scope=provider.scope,
        redirect_uri=redirect_uri(),
        code_challenge_method="S256",
        timeout=10.0,
        **kwargs,
    )


def start_connection(channel: Channel) -> tuple[str, dict]:
    """The provider's login address, and what the session keeps until the callback."""
    provider = provider_for(channel)
    if provider is None or not provider.configured:
        raise ConnectionError(_("Questo tipo di canale non si collega con un accesso."))
    verifier = secrets.token_urlsafe(64)
    with _client(provider) as client:
        url, state = client.create_authorization_url(provider.authorize_url, code_verifier=verifier)
    pending = {
        "state": state,
        "verifier": verifier,
        "channel": channel.pk,
        "started": timezone.now().timestamp(),
    }
    return url, pending


def finish_connection(*, pending: dict | None, callback_url: str, query: dict, by):
    """Exchange the code the provider sent back, look up the account, store the tokens.

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
    provider = provider_for(channel) if channel else None
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
            account = _account(client, provider)
    except (AuthlibBaseError, httpx.HTTPError, ValueError, KeyError) as exc:
        logger.warning("Connecting channel %s failed: %s", channel.pk, type(exc).__name__)
        raise ConnectionError(
            _("%(p)s non ha completato il collegamento (%(e)s): riprova.")
            % {"p": provider.label, "e": _error_code(exc)}
        ) from None
    return _save_connection(channel, provider, token, account, by=by)


def _account(client: OAuth2Client, provider: Provider) -> dict:
    response = client.get(provider.api_url + "/2/users/me")
    response.raise_for_status()
    data = response.json().get("data") or {}
    return {"id": str(data.get("id", "")), "name": "@" + str(data.get("username", ""))}


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "error", "") or type(exc).__name__)[:80]


def _expiry(token: dict) -> datetime | None:
    if token.get("expires_at"):
        return datetime.fromtimestamp(float(token["expires_at"]), tz=UTC)
    if token.get("expires_in"):
        return timezone.now() + timedelta(seconds=float(token["expires_in"]))
    return None


def _save_connection(channel, provider, token, account, *, by) -> ChannelConnection:
    now = timezone.now()
    with transaction.atomic():
        connection, created = ChannelConnection.objects.update_or_create(
            channel=channel,
            defaults={
                "provider": provider.name,
                "status": ConnectionStatus.CONNECTED,
                "account_id": account["id"][:200],
                "account_name": account["name"][:200],
                "access_token": token["access_token"],
                "refresh_token": token.get("refresh_token", ""),
                "expires_at": _expiry(token),
                "scope": str(token.get("scope", ""))[:500],
                "connected_at": now,
                "connected_by": by,
                "last_refreshed_at": None,
                "refresh_claimed_until": None,
                "last_error": "",
            },
        )
        record(
            action="channel.connected" if created else "channel.reconnected",
            actor=by,
            obj=channel,
            summary=_("Collegato come %(account)s") % {"account": connection.account_name},
            after={"account": connection.account_name, "provider": provider.name},
        )
    return connection


# --- Keeping it alive ---------------------------------------------------------------------


def connections_to_refresh(now: datetime | None = None):
    now = now or timezone.now()
    return ChannelConnection.objects.filter(
        status=ConnectionStatus.CONNECTED,
        expires_at__lt=now + REFRESH_MARGIN,
    ).exclude(refresh_token="")


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
    if connection.expires_at and connection.expires_at > now + REFRESH_MARGIN:
        _release(connection_id)
        return "skipped"  # refreshed by someone else meanwhile
    provider = provider_for(connection.channel)
    spent = connection.refresh_token
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
    ChannelConnection.objects.filter(pk=connection_id).update(
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
    recipients = sorted(
        set(
            User.objects.filter(groups__name=Role.ADMIN.value, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        return
    try:
        send_mail(
            _("Canale da ricollegare: %(channel)s") % {"channel": channel.name},
            _(
                "Il canale «%(channel)s» non può più pubblicare: il servizio ha revocato "
                "l'accesso. Ricollegalo da %(url)s. Gli invii previsti aspettano."
            )
            % {
                "channel": channel.name,
                "url": settings.SITE_URL + reverse("channels:edit", args=[channel.pk]),
            },
            None,
            recipients,
        )
    except Exception:  # mail trouble must not undo the recorded state
        logger.exception("Could not email about channel %s", channel_id)


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
