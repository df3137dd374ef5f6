"""Who a request's client is: the peer, or the address a trusted proxy names for it.

Kept apart from the limiter (and its metrics) so that configuration can check
TRUSTED_PROXIES without creating metrics before the multiprocess directory is set up.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import Scope

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str) -> list[IPNetwork]:
    """'10.0.0.0/8, 127.0.0.1' -> networks; raises ValueError naming the bad entry."""
    networks = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or CIDR network: {part!r}") from None
    return networks


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(scope: Scope, trusted_proxies: Sequence[IPNetwork]) -> str:
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    if not trusted_proxies:
        return peer
    peer_ip = _ip(peer)
    if peer_ip is None or not any(
        ipaddress.ip_address(peer_ip) in network for network in trusted_proxies
    ):
        return peer
    headers = dict(scope.get("headers", []))
    from_proxy = _ip(headers.get(b"x-client-ip", b"").decode("latin-1"))
    if from_proxy is None:
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
        from_proxy = _ip(forwarded.split(",")[0])
    return from_proxy or peer
