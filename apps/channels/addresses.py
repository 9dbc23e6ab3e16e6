"""Addresses an administrator types (a Mastodon instance) that the server will then call.

Only http(s), and never a private, loopback, link-local or otherwise non-public target: the
host is resolved and every address it resolves to is checked, so a name pointing at the
office's intranet or at a cloud metadata service (169.254.169.254) is refused.
``PRIVATE_HOSTS_ALLOWED`` (tests: 127.0.0.1; an office with its own instance on the intranet)
lists the hosts or addresses that may be private all the same.
"""

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")


class AddressRefused(Exception):
    """The address may not be called; the message says why, for the person who typed it."""


class AddressUnresolved(AddressRefused):
    """The name does not resolve (now): at send time a transient failure, not a refusal."""


def normalise_instance(text: str) -> str:
    """``scheme://host[:port]`` of what was typed (``mastodon.uno`` becomes https)."""
    text = (text or "").strip()
    if not text:
        raise AddressRefused(_("Scrivi l'indirizzo dell'istanza, es. https://mastodon.uno."))
    if "://" not in text:
        if _SCHEME.match(text):  # mailto:, javascript:, data:… (host:port is not a scheme)
            raise AddressRefused(_("Sono ammessi solo indirizzi http:// o https://."))
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise AddressRefused(_("«%(a)s» non è un indirizzo valido.") % {"a": text[:200]}) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(_("Sono ammessi solo indirizzi http:// o https://."))
    if parts.username or parts.password:
        raise AddressRefused(_("L'indirizzo non può contenere nome utente o password."))
    if settings.PRODUCTION_MODE and parts.scheme != "https":
        raise AddressRefused(_("L'indirizzo dell'istanza deve usare https."))
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def check_public(url: str) -> None:
    """Refuse ``url`` unless every address its host resolves to is public (or allowed)."""
    parts = urlsplit(url)
    resolve_public((parts.hostname or "").lower(), parts.port or 443)


def resolve_public(host: str, port: int) -> str | None:
    """The address to connect to for ``host``, after checking every address it resolves to:
    refused (:class:`AddressRefused`) when one is private, loopback, link-local or otherwise
    not global, unless allowed by ``PRIVATE_HOSTS_ALLOWED``. ``None`` for a host that is
    allowed by name (it is connected to as it is). The one rule for every address an
    administrator types, checked when connecting and again, resolved once, at each send."""
    host = host.lower().strip("[]")
    allowed = {h.lower() for h in settings.PRIVATE_HOSTS_ALLOWED}
    if host in allowed:
        return None
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        raise AddressUnresolved(
            _("L'indirizzo %(h)s non esiste (nessun server con questo nome).") % {"h": host}
        ) from None
    chosen = None
    for info in infos:
        text = info[4][0].split("%", 1)[0]
        address = ipaddress.ip_address(text)
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if str(address) not in allowed and not address.is_global:
            raise AddressRefused(
                _(
                    "L'indirizzo %(h)s porta a una rete interna (%(ip)s): non è ammesso. "
                    "Usa l'indirizzo pubblico dell'istanza."
                )
                % {"h": host, "ip": address}
            )
        chosen = chosen or text
    if chosen is None:
        raise AddressUnresolved(
            _("L'indirizzo %(h)s non esiste (nessun server con questo nome).") % {"h": host}
        )
    return chosen
