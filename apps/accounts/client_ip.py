"""The client's address, the same for django-axes, the rate limits and the consent records.

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy's address, so every visitor looks the
same. ``X-Forwarded-For`` names the real client, but anyone can send that header: it is read
only as far as the operator says it can be trusted, and never by default.

- ``TRUSTED_PROXY_COUNT = n`` (n proxies in front of the app, each appending the address it
  saw): the client is the n-th address from the right of ``X-Forwarded-For`` + ``REMOTE_ADDR``.
- ``TRUSTED_PROXY_CIDRS = [...]``: walking from ``REMOTE_ADDR`` leftwards, every address inside
  a trusted network is a proxy; the first one outside is the client.

With neither set (the default) the header is ignored and ``REMOTE_ADDR`` is the client.
"""

import ipaddress

from django.conf import settings


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _networks():
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.TRUSTED_PROXY_CIDRS]


def client_ip(request) -> str | None:
    """The address of whoever sent the request, as far as the trusted proxies tell it."""
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    count = settings.TRUSTED_PROXY_COUNT
    networks = _networks() if settings.TRUSTED_PROXY_CIDRS else []
    if not count and not networks:
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    # Split once, linear in the header's length; the chain ends with the peer we really see.
    chain = [part for part in forwarded.split(",") if part.strip()] + [str(remote)]
    if networks:
        for hop in reversed(chain):
            address = _parse(hop)
            if address is None:
                # Garbage to the left of a trusted proxy came from the client: the proxy that
                # appended it is the last address we can vouch for.
                break
            if not any(address in network for network in networks):
                return str(address)
            remote = address
        return str(remote)
    if len(chain) <= count:
        # Fewer hops than configured proxies: the request skipped a proxy; trust nothing.
        return str(_parse(chain[0]) or remote)
    return str(_parse(chain[-(count + 1)]) or remote)


def axes_client_ip(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: django-axes locks out by this address."""
    return client_ip(request)
