"""Checks every predict request before KServe sees it: body size, JSON syntax and model name.

KServe's own answers to these cases carry no stable error code, so they are answered here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from revertrisk_service.errors import MalformedJson, ModelNotFound, PayloadTooLarge, ServiceError

_PREDICT_PATH = re.compile(r"^/v1/models/(?P<name>[^/]+):predict$")
_MODEL_PATH = re.compile(r"^/v1/models/(?P<name>[^/:]+)(?:/(?:info|thresholds))?$")


async def send_error(send: Send, error: ServiceError) -> None:
    body = json.dumps(error.to_dict()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class PredictGuard:
    def __init__(
        self, app: ASGIApp, served_models: Callable[[], Iterable[str]], max_body_bytes: int
    ) -> None:
        self.app = app
        self.served_models = served_models
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        name_match = _PREDICT_PATH.match(path) or _MODEL_PATH.match(path)
        if name_match and name_match["name"] not in set(self.served_models()):
            await send_error(
                send,
                ModelNotFound(
                    f"No model named {name_match['name'][:80]!r} is served here. "
                    f"Served models: {', '.join(sorted(self.served_models()))}.",
                ),
            )
            return
        if not (_PREDICT_PATH.match(path) and scope["method"] == "POST"):
            await self.app(scope, receive, send)
            return
        scope = _with_refresh_header(scope)
        body = await self._read_body(scope, receive, send)
        if body is None:
            return
        try:
            json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            await send_error(
                send,
                MalformedJson(
                    f"The request body is not valid JSON ({error}). Send "
                    '{"lang": "en", "rev_id": 12345} with Content-Type: application/json.'
                ),
            )
            return
        await self.app(scope, _replay(body), send)

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        declared = dict(scope.get("headers", [])).get(b"content-length")
        too_large = PayloadTooLarge(
            f"The request body exceeds the limit of {self.max_body_bytes} bytes.",
            limit=self.max_body_bytes,
        )
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_error(send, too_large)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await send_error(send, too_large)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


REFRESH_HEADER = b"x-revertrisk-refresh"
_TRUE = {"1", "true", "yes"}


def _with_refresh_header(scope: Scope) -> Scope:
    """`?refresh=true` bypasses and refreshes the score cache; KServe passes only headers on."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if not any(v.lower() in _TRUE for v in query.get("refresh", [])):
        return scope
    headers = [h for h in scope.get("headers", []) if h[0] != REFRESH_HEADER]
    return {**scope, "headers": [*headers, (REFRESH_HEADER, b"true")]}


def _replay(body: bytes) -> Callable[[], Awaitable[Message]]:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
