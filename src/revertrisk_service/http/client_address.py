"""Who a request's client is: the peer, or the address that the trusted proxies in front name.

`ClientAddress` resolves it once, into the ASGI scope's `client`, for every layer behind it
(the per-client limit, logs). With `TRUSTED_PROXIES` set:
- a trusted peer's `X-Client-IP` (Wikimedia's edge sets it) names the client;
- otherwise `X-Forwarded-For` is walked from the right, past the trusted proxies, and the first
  untrusted entry is the client. Each proxy appends the address it saw to the end, so the left
  entries are whatever the client wrote itself; taking the first one let any client choose its
  own limit bucket. The walk is uvicorn's (`ProxyHeadersMiddleware`, CIDR networks included).

uvicorn runs that same middleware on its own, trusting loopback (`FORWARDED_ALLOW_IPS`,
default `127.0.0.1,::1`), before any of this: a client of a server on loopback, or behind a
sidecar, could name itself. `disable_server_proxy_headers` turns it off so that TRUSTED_PROXIES
alone decides.

TRUSTED_PROXIES is parsed by the settings (config.parse_networks), so that a bad entry stops the
start in one line.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from revertrisk_service.config import IPNetwork


def disable_server_proxy_headers() -> None:
    """Make uvicorn trust no proxy, before KServe builds its uvicorn.Config (which reads this).

    An empty list: uvicorn then leaves `client` as the TCP peer, and ClientAddress decides."""
    os.environ["FORWARDED_ALLOW_IPS"] = ""


def client_of(scope: Scope) -> str:
    """The client ClientAddress resolved (the peer when it is not installed)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class ClientAddress:
    def __init__(self, app: ASGIApp, trusted_proxies: Sequence[IPNetwork]) -> None:
        self.app = app
        self.trusted = list(trusted_proxies)
        # uvicorn reads a bare address as one host and "a/b" as a network; CIDR for both.
        self.forwarded = ProxyHeadersMiddleware(
            app,  # type: ignore[arg-type]  # uvicorn's ASGI types, the same protocol
            trusted_hosts=[n.with_prefixlen for n in self.trusted],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.trusted or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if self._trusted_peer(scope):
            named = _header_ip(scope, b"x-client-ip")
            if named is not None:
                await self.app({**scope, "client": (named, 0)}, receive, send)
                return
        # Only a trusted peer's X-Forwarded-For is read: uvicorn checks the peer first too.
        await self.forwarded(scope, receive, send)  # type: ignore[arg-type]

    def _trusted_peer(self, scope: Scope) -> bool:
        peer = _ip(client_of(scope))
        return peer is not None and any(peer in network for network in self.trusted)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _header_ip(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            address = _ip(value.decode("latin-1"))
            return str(address) if address is not None else None
    return None
