"""Reading a request body within MAX_BODY_BYTES: one limit for every route that takes a body
(the predict guard and the ORES POST route)."""

from __future__ import annotations

from starlette.requests import Request

from revertrisk_service.errors import PayloadTooLarge


async def read_body_within(request: Request, limit: int) -> bytes:
    """The whole body, or PayloadTooLarge as soon as its declared or received length passes
    `limit` (a disconnect raises starlette's ClientDisconnect)."""
    too_large = PayloadTooLarge(
        f"The request body exceeds the limit of {limit} bytes.", limit=limit
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    body = b"".join(chunks)
    # Kept, so that Starlette's own parsers (a form) read it instead of the spent stream.
    request._body = body
    return body
