"""Whether a failed precache result is worth another try (the dependency was down) or is about
the edit itself (commit it and move on).

Scorers answer per revision with {"error": ...}: InProcessPrecacher nests one error body per
model ({"error": {model: {"code": ...}}}), HttpPoster the server's answer and its status. An
error is the edit's own only when every code in it is a client-side (4xx) code of the service's
catalogue, such as revision_not_found; anything else (mediawiki_unavailable, a timeout, an
exception, an unknown shape) counts as transient.
"""

from __future__ import annotations

from typing import Any

from revertrisk_service.errors import ServiceError, TooManyRequests


def _client_side_codes() -> frozenset[str]:
    found: set[str] = {"unsupported"}  # InProcessPrecacher: no served model takes the wiki
    todo = [ServiceError]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if 400 <= cls.status < 500 and cls is not TooManyRequests:
            found.add(cls.code)
    return frozenset(found)


CLIENT_SIDE_CODES = _client_side_codes()


def is_transient(result: Any) -> bool:
    """True for a failure worth retrying; False for a success or a failure of the edit itself."""
    if isinstance(result, BaseException) or result is None:
        return True
    if not isinstance(result, dict) or "error" not in result:
        return False
    codes: list[object] = []
    statuses: list[int] = []
    _collect(result, codes, statuses)
    if any(s >= 500 or s == 429 for s in statuses):
        return True
    return not codes or any(code not in CLIENT_SIDE_CODES for code in codes)


def _collect(value: Any, codes: list[object], statuses: list[int]) -> None:
    if isinstance(value, dict):
        if "code" in value:
            codes.append(value["code"])
        status = value.get("status")
        if isinstance(status, int) and not isinstance(status, bool):
            statuses.append(status)
        for child in value.values():
            if isinstance(child, dict):
                _collect(child, codes, statuses)
