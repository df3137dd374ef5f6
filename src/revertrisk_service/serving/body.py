"""A request body, read and parsed in one place for every route that takes one (the predict
guard, the ORES POST route, the feedback route).

Read within MAX_BODY_BYTES (`read_body_within`): one limit for every route.

Parsed by `parse_json_body`, the one parser of request bodies: strict JSON, UTF-8 without a BOM,
nested at most MAX_DEPTH deep. It is orjson, the parser KServe itself runs on the body afterwards,
so anything accepted here is also accepted there (orjson refuses NaN, Infinity, lone surrogates and
a BOM, and turns integers beyond 64 bits into floats, which `rev_id` validation then rejects).
Python's json module would accept NaN and raise RecursionError on deep nesting, which is why it is
not used.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from revertrisk_service.errors import MalformedJson, PayloadTooLarge

# Every shape we accept (a page_change event is the deepest) fits in well under 16 levels; the
# bound keeps the validation that walks the body cheap and predictable.
MAX_DEPTH = 32
_BOM = b"\xef\xbb\xbf"
_EXAMPLE = '{"lang": "en", "rev_id": 12345}'


def parse_json_body(body: bytes | str) -> Any:
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if raw.startswith(_BOM):
        raise MalformedJson(
            "The request body starts with a UTF-8 byte order mark; send plain UTF-8 JSON such as "
            f"{_EXAMPLE}."
        )
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise MalformedJson(
            f"The request body is not valid JSON ({error}). Send {_EXAMPLE} with "
            "Content-Type: application/json (NaN and Infinity are not JSON)."
        ) from None
    if nesting_depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise MalformedJson(
            f"The request body nests arrays or objects more than {MAX_DEPTH} levels deep."
        )
    return value


def nesting_depth(value: Any, stop_above: int) -> int:
    """How deeply arrays and objects nest in `value`; stops counting once beyond `stop_above`."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > stop_above:
                return deepest
        stack.extend((child, depth) for child in children if isinstance(child, dict | list))
    return deepest


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
