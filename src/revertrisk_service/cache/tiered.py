"""A small in-process cache in front of Redis, for the answers asked for again and again.

A cache hit through Redis costs a network round trip, about a third of a millisecond on
loopback and more across hosts, which is most of what a hit costs above KServe's own floor.
Clients ask about the same recent edit several times within seconds (patrolling tools, bots,
RecentChanges filters), so a replica keeps the scores it has just served or computed for a
short while (`LOCAL_CACHE_TTL_S`). Only scores are kept locally: they never change for a key
(the key names the model version), whereas negative entries expire soon and must stay shared.
A refresh (`?refresh=true`) on another replica reaches this one's copy within that TTL at most.
"""

from __future__ import annotations

from collections.abc import Sequence

from revertrisk_service.cache.base import CacheItem, CacheValue, ScoreCache
from revertrisk_service.cache.memory import MemoryScoreCache


class TieredScoreCache:
    def __init__(self, local: MemoryScoreCache, shared: ScoreCache, local_ttl_s: float) -> None:
        self.local = local
        self.shared = shared
        self.local_ttl_s = local_ttl_s

    def _keep_locally(self, value: CacheValue) -> bool:
        return "error" not in value

    async def get_many(self, keys: Sequence[str]) -> list[CacheValue | None]:
        values = await self.local.get_many(keys)
        missing = [i for i, v in enumerate(values) if v is None]
        if not missing:
            return values
        found = await self.shared.get_many([keys[i] for i in missing])
        keep: list[CacheItem] = []
        for i, value in zip(missing, found, strict=True):
            values[i] = value
            if value is not None and self._keep_locally(value):
                keep.append((keys[i], value, self.local_ttl_s))
        await self.local.set_many(keep)
        return values

    def peek(self, key: str) -> CacheValue | None:
        return self.local.peek(key)

    async def set_many(self, items: Sequence[CacheItem]) -> None:
        await self.shared.set_many(items)
        await self.local.set_many(
            [(k, v, min(ttl, self.local_ttl_s)) for k, v, ttl in items if self._keep_locally(v)]
        )

    async def delete(self, key: str) -> None:
        await self.local.delete(key)
        await self.shared.delete(key)

    async def close(self) -> None:
        await self.local.close()
        await self.shared.close()
