"""How a request asks for an explanation: `"explain": true` (and `"explain_top": N`) in the body,
or `?explain=true&explain_top=N`, which the predict guard turns into headers for KServe."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.types import Scope

from revertrisk_service.errors import InvalidExplainOption

DEFAULT_TOP = 10
MAX_TOP = 500
EXPLAIN_HEADER = "x-revertrisk-explain"
EXPLAIN_TOP_HEADER = "x-revertrisk-explain-top"
# As in the body: `true` or `false` only, so that the query and the body mean the same.
_TRUE = {"true"}
_FALSE = {"false"}


@dataclass(frozen=True)
class ExplainOptions:
    """top: how many contributions to list. with_values: every feature's value as well, which the
    ORES layer's `?features` needs (ores.routes shapes its answers with it; no request body can
    ask for it)."""

    top: int = DEFAULT_TOP
    with_values: bool = False


def with_explain_headers(scope: Scope) -> Scope:
    """The request with `?explain=` and `?explain_top=` restated as headers (KServe hands a model
    the headers only); their values are checked where they are read, in `explain_options`."""
    # Percent-escapes decoded byte for byte (latin-1), so that any value becomes a header value;
    # a value that is not a flag or a number is refused where it is read.
    query = parse_qs(
        scope.get("query_string", b"").decode("latin-1"),
        keep_blank_values=True,
        encoding="latin-1",
    )
    added = {
        header.encode(): query[name][-1].encode("latin-1")
        for name, header in (("explain", EXPLAIN_HEADER), ("explain_top", EXPLAIN_TOP_HEADER))
        if name in query
    }
    if not added:
        return scope
    headers = [h for h in scope.get("headers", []) if h[0] not in added]
    return {**scope, "headers": [*headers, *added.items()]}


def explain_options(body: object, headers: Mapping[str, str] | None) -> ExplainOptions | None:
    """The request's explanation options, or None when it asks for none. Bad values raise."""
    fields = body if isinstance(body, dict) else {}
    headers = headers or {}
    wanted = _body_flag(fields["explain"]) if "explain" in fields else False
    if EXPLAIN_HEADER in headers:
        wanted = _query_flag(headers[EXPLAIN_HEADER]) or wanted
    top = DEFAULT_TOP
    if "explain_top" in fields:
        top = _top(fields["explain_top"])
    elif EXPLAIN_TOP_HEADER in headers:
        raw = headers[EXPLAIN_TOP_HEADER].strip()
        # isdigit() alone takes '²' for a digit, which int() refuses.
        top = _top(int(raw) if raw.isascii() and raw.isdigit() else raw)
    return ExplainOptions(top) if wanted else None


def _body_flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidExplainOption(
            f"'explain' must be true or false, got {type(value).__name__} {str(value)[:40]!r}.",
            field="explain",
        )
    return value


def _query_flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidExplainOption(
        f"The 'explain' query parameter must be true or false, got {value[:40]!r}.",
        field="explain",
    )


def _top(value: object) -> int:
    # bool is an int subclass in Python; JSON true must not become 1.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOP:
        raise InvalidExplainOption(
            f"'explain_top' must be an integer from 1 to {MAX_TOP}, got {str(value)[:40]!r}.",
            field="explain_top",
        )
    return value
