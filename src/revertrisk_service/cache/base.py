"""The score cache interface that the HTTP layer and the precacher share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

# A cached answer: a score, or a negative entry such as {"error": {...}}. Must be JSON-serialisable.
CacheValue = dict[str, Any]
# (key, value, time to live in seconds)
CacheItem = tuple[str, CacheValue, float]


@runtime_checkable
class ScoreCache(Protocol):
    """An async key/value store of JSON dicts with a per-entry TTL. Failures never reach callers:
    a backend that cannot answer reports a miss and drops writes."""

    async def get_many(self, keys: Sequence[str]) -> list[CacheValue | None]:
        """The cached value of each key, in order; None for a miss."""
        ...

    async def set_many(self, items: Sequence[CacheItem]) -> None:
        """Store each value for its TTL. A TTL of zero or less stores nothing."""
        ...

    def peek(self, key: str) -> CacheValue | None:
        """The value this process holds in memory for `key`, without any I/O; None when it
        holds none (a Redis-only cache never does). Lets a hit be answered before the request
        reaches the model (http.local_hits)."""
        ...

    async def delete(self, key: str) -> None: ...

    async def close(self) -> None: ...
