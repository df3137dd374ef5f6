"""Every error answer has the `{error, code, detail}` shape, whoever gives it.

- `ErrorContract`, the outermost layer, catches the rest: exceptions nothing handled (a 500 without
  a traceback in the body; the traceback goes to the log), and error answers KServe or FastAPI
  built themselves (`{"error": ...}` or `{"detail": ...}` without a code), which get a code by
  status.
- `send_error` answers from ASGI middleware, before or instead of the application.
- `install_error_handlers` turns a ServiceError raised in a route into its answer: a stable code,
  the right status, never a traceback.
"""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from revertrisk_service.errors import ServiceError, error_body
from revertrisk_service.http.middleware import HttpMiddleware

log = logging.getLogger(__name__)

# ORES v3 clients (Huggle, bots) expect ORES's own error shape, `{"error": {"code", "message"}}`,
# which the ORES routes send themselves; only an unhandled exception is answered here.
_OWN_ERROR_SHAPE = re.compile(r"^/v3(?:/|$)")

CODE_BY_STATUS = {
    400: "invalid_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    501: "not_implemented",
    503: "service_unavailable",
}


def code_for_status(status: int) -> str:
    if status in CODE_BY_STATUS:
        return CODE_BY_STATUS[status]
    return "invalid_request" if status < 500 else "internal_error"


def conforms(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("error"), str)
        and isinstance(body.get("code"), str)
        and "detail" in body
    )


def reshaped(status: int, raw: bytes) -> bytes:
    """The body in the error shape: unchanged if it already is, else rebuilt around its message."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if conforms(body):
        return raw
    message = None
    if isinstance(body, dict):
        found = body.get("error") or body.get("detail")
        message = found if isinstance(found, str) else None
    if message is None or status >= 500:
        # Never pass on what a failure inside said: it may be a stack frame or a path.
        message = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    if isinstance(body, dict) and isinstance(body.get("code"), str) and status < 500:
        code = body["code"]
    else:
        code = code_for_status(status)
    return json.dumps(error_body(code, message)).encode()


class ErrorContract(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        reshape = not _OWN_ERROR_SHAPE.match(scope["path"])
        started = False
        pending_start: Message | None = None
        chunks: list[bytes] = []

        async def guarded_send(message: Message) -> None:
            nonlocal started, pending_start
            if message["type"] == "http.response.start":
                started = True
                if message["status"] >= 400 and reshape:
                    pending_start = message  # held back until the whole body is seen
                    return
                await send(message)
                return
            if pending_start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await _send_reshaped(send, pending_start, b"".join(chunks))

        try:
            await self.app(scope, receive, guarded_send)
        except Exception:
            log.exception("Unhandled error answering %s %s", scope.get("method"), scope["path"])
            if started:
                raise  # too late to answer; the server closes the connection
            body = json.dumps(error_body("internal_error", "Internal Server Error")).encode()
            start = {"type": "http.response.start", "status": 500, "headers": []}
            await _send_reshaped(send, start, body)


async def _send_reshaped(send: Send, start: Message, raw: bytes) -> None:
    body = reshaped(start["status"], raw)
    headers = [
        (k, v)
        for k, v in start.get("headers", [])
        if k.lower() not in (b"content-length", b"content-type")
    ]
    headers += [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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


async def service_error_handler(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    return JSONResponse(
        status_code=error.status, content=error.to_dict(), headers=dict(error.headers)
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, service_error_handler)
