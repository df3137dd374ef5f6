"""A per-client limit on predict requests in flight, answered with 429 and Retry-After beyond it.

The way ORES protected itself with per-IP PoolCounter limits: one client cannot take every
worker. Who the client is was decided before this layer (client_address.ClientAddress).
"""

from __future__ import annotations

from prometheus_client import Counter
from starlette.types import ASGIApp, Receive, Scope, Send

from revertrisk_service.errors import TooManyRequests
from revertrisk_service.http.client_address import client_of
from revertrisk_service.http.errors import send_error
from revertrisk_service.http.routes import predict_model

REJECTED = Counter(
    "revertrisk_client_limit_rejections_total",
    "Predict requests answered 429 because their client had too many in flight.",
)


class ClientConcurrencyLimit:
    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        retry_after_s: int = 1,
    ) -> None:
        self.app = app
        self.limit = limit
        self.retry_after_s = retry_after_s
        # One event loop per process, so plain counts need no lock.
        self.in_flight: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limit <= 0 or scope["type"] != "http" or predict_model(scope["path"]) is None:
            await self.app(scope, receive, send)
            return
        client = client_of(scope)
        count = self.in_flight.get(client, 0)
        if count >= self.limit:
            REJECTED.inc()
            await send_error(
                send,
                TooManyRequests(
                    f"This client already has {self.limit} requests in flight "
                    "(CLIENT_CONCURRENCY_LIMIT); wait for one to finish, or send a batch.",
                    limit=self.limit,
                ),
                headers={"Retry-After": str(self.retry_after_s)},
            )
            return
        self.in_flight[client] = count + 1
        try:
            await self.app(scope, receive, send)
        finally:
            remaining = self.in_flight[client] - 1
            if remaining:
                self.in_flight[client] = remaining
            else:
                del self.in_flight[client]
