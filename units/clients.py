"""The client's address, as one function for every per-address rule (login lockout, the online survey's
rate limit): REMOTE_ADDR, unless the request came from a configured trusted proxy (TRUSTED_PROXIES).

Behind trusted proxies, X-Forwarded-For is read from the right: each trusted proxy appended the address
it received from, so the first address from the right that is not a trusted proxy is the client.
Addresses to its left were written by the client and are ignored. django-ipware was not used: it
takes X-Forwarded-For without checking that the request came through one of the proxies, so a client
that reaches the app directly could name any address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent `request` (also axes' AXES_CLIENT_IP_CALLABLE)."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = trusted_networks()
    if not networks or not _is_trusted(remote, networks):
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a malformed chain: count it against the proxy rather than trust any of it
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else remote
