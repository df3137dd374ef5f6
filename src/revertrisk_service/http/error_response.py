"""Sends an error from ASGI middleware, before or instead of the application, in the one error shape."""

from __future__ import annotations

import json

from starlette.types import Send

from revertrisk_service.errors import ServiceError


async def send_error(
    send: Send, error: ServiceError, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(error.to_dict()).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": error.status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
