"""X-Request-Id: taken from the request when it is sane, generated otherwise, echoed back on the
response and attached to every log line written while the request is handled."""

from __future__ import annotations

import re
import uuid

from starlette.types import Message, Receive, Scope, Send

from revertrisk_service.http.middleware import HttpMiddleware
from revertrisk_service.observability.json_logs import current_request_id

HEADER = "x-request-id"
# Ids from clients end up in logs: short, printable, no spaces or quotes.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")

def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() == HEADER.encode():
            text = value.decode("latin-1").strip()
            if _ACCEPTABLE.match(text):
                return text
            break
    return new_request_id()


class RequestIdMiddleware(HttpMiddleware):
    """Outermost ASGI middleware, so that every answer (errors included) carries the id."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = request_id_from(scope.get("headers", []))
        token = current_request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != HEADER.encode()
                ]
                headers.append((HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)
