"""Checks every predict request's body before KServe sees it: size, JSON syntax and depth.

KServe's own answers to these cases carry no stable error code, so they are answered here.
(Which paths, methods and model names exist is route_guard's job.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from revertrisk_service.errors import PayloadTooLarge, ServiceError
from revertrisk_service.explanations.options import with_explain_headers
from revertrisk_service.http.errors import send_error
from revertrisk_service.http.middleware import HttpMiddleware
from revertrisk_service.http.routes import predict_model
from revertrisk_service.serving.body import read_body_within
from revertrisk_service.serving.predict_input import carrying, input_for, opaque_to_kserve
from revertrisk_service.serving.refresh import as_cache_control


class PredictGuard(HttpMiddleware):
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        super().__init__(app)
        self.max_body_bytes = max_body_bytes

    def applies_to(self, scope: Scope) -> bool:
        return (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and predict_model(scope["path"]) is not None
        )

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = _without_cloudevent_headers(with_explain_headers(as_cache_control(scope)))
        body = await self._read_body(scope, receive, send)
        if body is None:
            return
        # Decoded once: by the held hits already when they read it, else here.
        predict = input_for(body)
        try:
            predict.payload()
        except ServiceError as error:
            await send_error(send, error)
            return
        with carrying(predict):
            await self.app(opaque_to_kserve(scope), _replay(body), send)

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        try:
            return await read_body_within(Request(scope, receive), self.max_body_bytes)
        except PayloadTooLarge as error:
            await send_error(send, error)
        except ClientDisconnect:
            pass
        return None


def _without_cloudevent_headers(scope: Scope) -> Scope:
    """KServe reads `ce-*` headers as a binary CloudEvent wrapping the body; we do not serve those."""
    headers = scope.get("headers", [])
    kept = [h for h in headers if not h[0].startswith(b"ce-")]
    return scope if len(kept) == len(headers) else {**scope, "headers": kept}


def _replay(body: bytes) -> Callable[[], Awaitable[Message]]:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
