"""Whether a predict request asks to bypass and refresh the score cache: `?refresh=true` or
`Cache-Control: no-cache`.

KServe hands a model the request's headers only, not its query, so `PredictGuard` restates the
query flag as the header (`as_cache_control`) and the model reads that one header
(`wants_refresh`): one flag, one place that reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs

from starlette.types import Scope

_TRUE = {"1", "true", "yes"}
_CACHE_CONTROL = b"cache-control"


def wants_refresh(headers: Mapping[str, str] | None) -> bool:
    if not headers:
        return False
    return "no-cache" in headers.get("cache-control", "").lower()


def as_cache_control(scope: Scope) -> Scope:
    """The request with `?refresh=true` restated as `Cache-Control: no-cache`."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if not any(v.lower() in _TRUE for v in query.get("refresh", [])):
        return scope
    headers = [h for h in scope.get("headers", []) if h[0] != _CACHE_CONTROL]
    return {**scope, "headers": [*headers, (_CACHE_CONTROL, b"no-cache")]}
