"""The shape the HTTP edge's pure-ASGI layers share: each acts on the requests it is about and
hands everything else (lifespan events, paths and methods it does not guard) to the next
application untouched."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.applies_to(scope):
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def applies_to(self, scope: Scope) -> bool:
        """Which requests this layer acts on: by default, every HTTP request."""
        return scope["type"] == "http"

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
