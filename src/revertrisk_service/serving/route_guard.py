"""Answers only the routes this service serves; everything else is a 404 or 405 in the error shape.

KServe registers more than we serve (V2 inference, `:explain`, its own OpenAPI page) and answers
unknown paths with FastAPI's `{"detail": "Not Found"}`. Checking the route table here, before
KServe, turns those off and gives every miss a stable code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from revertrisk_service.errors import MethodNotAllowed, ModelNotFound, RouteNotFound
from revertrisk_service.serving.error_response import send_error


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: frozenset[str]


def _route(pattern: str, *methods: str) -> Route:
    # No implicit HEAD: KServe's FastAPI routes do not answer it either.
    return Route(re.compile(pattern), frozenset(methods))


_NAME = r"(?P<name>[^/:]+)"
ROUTES = (
    _route(r"^/$", "GET"),
    _route(r"^/metrics$", "GET"),
    _route(r"^/openapi\.json$", "GET"),
    _route(r"^/v1/models$", "GET"),
    _route(rf"^/v1/models/{_NAME}$", "GET"),
    _route(rf"^/v1/models/{_NAME}:predict$", "POST"),
    _route(rf"^/v1/models/{_NAME}/(?:info|thresholds|feedback)$", "GET"),
    _route(r"^/v1/feedback$", "POST"),
)


# Routers mounted beside KServe's own (client_endpoints): the ORES v3 layer and the patrol page
# answer their own paths and methods; FastAPI's 404/405 inside them are still reshaped.
DELEGATED = re.compile(r"^/(?:v3|patrol)(?:/|$)")


class RouteGuard:
    def __init__(self, app: ASGIApp, served_models: Callable[[], Iterable[str]]) -> None:
        self.app = app
        self.served_models = served_models

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if DELEGATED.match(path):
            await self.app(scope, receive, send)
            return
        match = next(((r, m) for r in ROUTES if (m := r.pattern.match(path))), None)
        if match is None:
            await send_error(
                send,
                RouteNotFound(
                    f"This service has no endpoint {path[:100]!r}. It serves "
                    "POST /v1/models/<name>:predict, GET /v1/models and /openapi.json."
                ),
            )
            return
        route, found = match
        if scope["method"] not in route.methods:
            allowed = ", ".join(sorted(route.methods))
            await send_error(
                send,
                MethodNotAllowed(f"{scope['method'][:20]} is not allowed here; use {allowed}."),
                headers={"Allow": allowed},
            )
            return
        name = found.groupdict().get("name")
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
