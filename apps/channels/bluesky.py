"""Connecting a Bluesky account: its handle and an app password, once (Bluesky has no OAuth for
apps like this yet). The app password opens a session (:mod:`.atproto`); only the session's
tokens are kept, encrypted: the app password itself is never stored. The access token lives
about two hours and is refreshed by the same task as the other networks' tokens
(``connections.refresh_connection``), each refresh spending the refresh token for a new one.
"""

import re

from django.utils.translation import gettext as _

from . import atproto
from .addresses import AddressRefused, check_public, normalise_instance
from .connections import ConnectionError, Provider, save_connection
from .enums import ChannelKind
from .models import Channel, ChannelConnection

# A handle is a domain name (comune.bsky.social, or the Comune's own domain); a DID also logs in.
HANDLE = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}$")
DID = re.compile(r"^did:(plc|web):[a-z0-9._:%-]{1,200}$")
# Bluesky's app passwords read xxxx-xxxx-xxxx-xxxx; other servers may differ, so only the
# length is held to.
PASSWORD_MAX = 200

PROVIDER = Provider(
    name="bluesky",
    label="Bluesky",
    authorize_url="",
    token_url="",
    api_url="",
    scope="",
    client_id="",
    client_secret="",
)


def is_bluesky(channel: Channel) -> bool:
    return channel.kind == ChannelKind.BLUESKY


def normalise_handle(text: str) -> str:
    handle = (text or "").strip().lstrip("@").lower()
    if not (HANDLE.match(handle) or DID.match(handle)):
        raise ConnectionError(
            _("«%(h)s» non è un nome Bluesky: scrivilo come comune.bsky.social.")
            % {"h": handle[:100]}
        )
    return handle


def connect(
    *, channel: Channel, handle: str, app_password: str, service: str = "", by
) -> ChannelConnection:
    """Open a session with the app password and save its tokens; nothing is saved on refusal."""
    identifier = normalise_handle(handle)
    password = (app_password or "").strip()
    if not password or len(password) > PASSWORD_MAX:
        raise ConnectionError(_("Scrivi la password per le app creata su Bluesky."))
    try:
        base = normalise_instance(service or atproto.DEFAULT_SERVICE)
        check_public(base)
    except AddressRefused as exc:
        raise ConnectionError(str(exc)) from None
    try:
        session = atproto.create_session(base, identifier=identifier, password=password)
    except atproto.SessionError as exc:
        raise ConnectionError(_message(exc, base)) from None
    pds = session.pds
    if pds != base:
        try:
            check_public(pds)  # the DID document names where the account lives: check it too
        except AddressRefused as exc:
            raise ConnectionError(str(exc)) from None
    return save_connection(
        channel,
        PROVIDER,
        session.as_token(),
        {"id": session.did, "name": "@" + (session.handle or identifier)},
        by=by,
        config={"base_url": pds, "did": session.did, "service": base},
    )


def _message(exc: atproto.SessionError, service: str) -> str:
    if exc.error == "AuthFactorTokenRequired":
        return _(
            "L'account chiede un codice via email: usa una password per le app (Impostazioni → "
            "Privacy e sicurezza → Password per le app), che non lo richiede."
        )
    if exc.error in ("AuthenticationRequired", "InvalidToken") or exc.status == 401:
        return _(
            "Bluesky non riconosce il nome o la password per le app: controllali e riprova. "
            "Serve una password per le app, non la password dell'account."
        )
    if exc.error in ("AccountTakedown", "AccountDeactivated"):
        return _("L'account Bluesky è sospeso o disattivato: non può pubblicare.")
    if exc.error == "RateLimitExceeded" or exc.status == 429:
        return _("Troppi tentativi di accesso: Bluesky chiede di aspettare. Riprova più tardi.")
    if exc.error == "Unreachable" or exc.status >= 500:
        return _("%(s)s non risponde: riprova tra poco.") % {"s": service}
    return _("Bluesky ha rifiutato l'accesso (%(e)s): il canale non è collegato.") % {
        "e": exc.error
    }
