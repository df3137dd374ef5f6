"""Answers only the routes this service serves (routes.ROUTES); everything else is a 404 or 405
in the error shape.

KServe registers more than we serve (V2 inference, `:explain`, its own docs) and answers unknown
paths with FastAPI's `{"detail": "Not Found"}`. Checking the route table here, before KServe,
turns those off and gives every miss a stable code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from revertrisk_service.errors import MethodNotAllowed, ModelNotFound, RouteNotFound
from revertrisk_service.http.errors import send_error
from revertrisk_service.http.middleware import HttpMiddleware
from revertrisk_service.http.routes import MODEL_NAME, delegated, matching, served_summary


class RouteGuard(HttpMiddleware):
    def __init__(self, app: ASGIApp, served_models: Callable[[], Iterable[str]]) -> None:
        super().__init__(app)
        self.served_models = served_models
        self.hint = served_summary()

    def applies_to(self, scope: Scope) -> bool:
        return scope["type"] == "http" and not delegated(scope["path"])

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        found = matching(path)
        if not found:
            await send_error(
                send,
                RouteNotFound(
                    f"This service has no endpoint {path[:100]!r}. It serves {self.hint}. "
                    "GET /openapi.json describes them."
                ),
            )
            return
        # No implicit HEAD: KServe's FastAPI routes do not answer it either.
        allowed = sorted({route.method for route, _ in found})
        if scope["method"] not in allowed:
            await send_error(
                send,
                MethodNotAllowed(f"{scope['method'][:20]} is not allowed here; use {', '.join(allowed)}."),
                headers={"Allow": ", ".join(allowed)},
            )
            return
        name = found[0][1].groupdict().get(MODEL_NAME)
        served = sorted(self.served_models())
        if name is not None and name not in served:
            await send_error(
                send,
                ModelNotFound(
                    f"No model named {name[:80]!r} is served here. "
                    f"Served models: {', '.join(served)}."
                ),
            )
            return
        await self.app(scope, receive, send)
