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
    host = (urlsplit(url).hostname or "").lower()
    allowed = {h.lower() for h in settings.PRIVATE_HOSTS_ALLOWED}
    if host in allowed:
        return
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        raise AddressRefused(
            _("L'indirizzo %(h)s non esiste (nessun server con questo nome).") % {"h": host}
        ) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if str(address) in allowed:
            continue
        if not address.is_global:
            raise AddressRefused(
                _(
                    "L'indirizzo %(h)s porta a una rete interna (%(ip)s): non è ammesso. "
                    "Usa l'indirizzo pubblico dell'istanza."
                )
                % {"h": host, "ip": address}
            )
