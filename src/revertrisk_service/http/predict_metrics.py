"""Counts and times every predict request by model and status, whoever answers it (the model,
the request guard, or an error handler)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from revertrisk_service.http.routes import predict_model
from revertrisk_service.observability.metrics import REQUEST_LATENCY, REQUESTS


class PredictMetricsMiddleware:
    def __init__(self, app: ASGIApp, served_models: Callable[[], Iterable[str]]) -> None:
        self.app = app
        self.served_models = served_models

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        named = predict_model(scope["path"]) if scope["type"] == "http" else None
        if named is None:
            await self.app(scope, receive, send)
            return
        # Only served names become label values: a client cannot grow the series count.
        model = named if named in set(self.served_models()) else "unknown"
        status = 500
        start = time.perf_counter()

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            REQUESTS.labels(model, str(status)).inc()
            REQUEST_LATENCY.labels(model, str(status)).observe(time.perf_counter() - start)
