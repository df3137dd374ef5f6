"""Cross-replica de-duplication: a short-lived Redis marker says "someone is computing this key".

The marker is advisory. A waiter polls the score cache for the owner's result for a bounded
time and then computes itself, which also covers an owner that died holding the marker.
Redis being down never blocks anyone: acquiring then always succeeds (compute locally).
"""

from __future__ import annotations

import asyncio
import time
import uuid

import redis.asyncio as redis

from revertrisk_service.cache.base import CacheValue, ScoreCache
from revertrisk_service.cache.guarded_redis import GuardedRedis

INFLIGHT_SUFFIX = ":inflight"

# Delete the marker only if this process still owns it: after the marker expired, another
# replica may hold a fresh one that must survive our late release.
_RELEASE_IF_OWNER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisInflight:
    def __init__(self, guarded: GuardedRedis, owner_id: str | None = None) -> None:
        self.redis = guarded
        self.owner_id = owner_id or uuid.uuid4().hex
        self._release_script = guarded.client.register_script(_RELEASE_IF_OWNER)

    @staticmethod
    def marker_key(key: str) -> str:
        return key + INFLIGHT_SUFFIX

    async def try_acquire(self, key: str, ttl_ms: int) -> bool:
        """True if the caller should compute `key`: it now holds the marker, or Redis is down."""

        async def set_nx(client: redis.Redis) -> bool:
            return bool(await client.set(self.marker_key(key), self.owner_id, nx=True, px=ttl_ms))

        return await self.redis.call("inflight_acquire", set_nx, True)

    async def release(self, key: str) -> None:
        async def release(client: redis.Redis) -> None:
            await self._release_script(keys=[self.marker_key(key)], args=[self.owner_id])

        await self.redis.call("inflight_release", release, None)

    async def is_held(self, key: str) -> bool:
        async def exists(client: redis.Redis) -> bool:
            return bool(await client.exists(self.marker_key(key)))

        return await self.redis.call("inflight_exists", exists, False)

    async def wait_for_result(
        self, key: str, cache: ScoreCache, timeout_s: float = 2.0, poll_s: float = 0.05
    ) -> CacheValue | None:
        """The owner's cached result, or None once the wait is over or nobody is computing it.

        On None the caller computes the value itself.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            value = (await cache.get_many([key]))[0]
            if value is not None:
                return value
            if not await self.is_held(key):
                # The owner finished (it stores before it releases) or gave up or expired:
                # one last look closes the race between our two reads.
                return (await cache.get_many([key]))[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            await asyncio.sleep(min(poll_s, remaining))
