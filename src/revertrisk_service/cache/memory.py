"""An in-process score cache: LRU-bounded in entries, with a TTL per entry."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from revertrisk_service.cache.base import CacheItem, CacheValue


class MemoryScoreCache:
    """Values are stored JSON-encoded, as in Redis: callers never share a mutable dict with the
    cache, and a value that Redis could not store fails here too."""

    def __init__(self, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._clock = clock
        # key -> (expires_at on the clock, encoded value); the order is least recently used first.
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get_many(self, keys: Sequence[str]) -> list[CacheValue | None]:
        return [self.peek(key) for key in keys]

    def peek(self, key: str) -> CacheValue | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return json.loads(entry[1])

    async def set_many(self, items: Sequence[CacheItem]) -> None:
        now = self._clock()
        for key, value, ttl_s in items:
            if ttl_s <= 0:
                continue
            self._entries[key] = (now + ttl_s, json.dumps(value, separators=(",", ":")))
            self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def close(self) -> None:
        self._entries.clear()
