"""The score cache shared by every replica: Redis, behind a circuit breaker.

A dead or slow Redis must never fail or slow a request: each call has a short socket timeout,
and once the breaker opens, reads are misses and writes are dropped without touching the network.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import redis.asyncio as redis

from revertrisk_service.cache.base import CacheItem, CacheValue
from revertrisk_service.cache.guarded_redis import GuardedRedis

log = logging.getLogger(__name__)


class RedisScoreCache:
    # The timeouts and the breaker's settings belong to the guarded client, which the cache
    # shares with the in-flight markers and the checkpoint; `url` alone gets its defaults.
    def __init__(self, url: str, guarded: GuardedRedis | None = None) -> None:
        self.redis = guarded or GuardedRedis(url)

    async def get_many(self, keys: Sequence[str]) -> list[CacheValue | None]:
        if not keys:
            return []
        misses: list[bytes | None] = [None] * len(keys)

        async def mget(client: redis.Redis) -> list[bytes | None]:
            return await client.mget(list(keys))

        raw = await self.redis.call("mget", mget, misses)
        return [_decode(key, value) for key, value in zip(keys, raw, strict=True)]

    def peek(self, key: str) -> CacheValue | None:
        return None  # nothing held in this process: every lookup is a round trip

    async def set_many(self, items: Sequence[CacheItem]) -> None:
        encoded = [
            (key, json.dumps(value, separators=(",", ":")), max(1, int(ttl_s * 1000)))
            for key, value, ttl_s in items
            if ttl_s > 0
        ]
        if not encoded:
            return

        async def pipelined_set(client: redis.Redis) -> None:
            async with client.pipeline(transaction=False) as pipe:
                for key, value, ttl_ms in encoded:
                    pipe.set(key, value, px=ttl_ms)
                await pipe.execute()

        await self.redis.call("set", pipelined_set, None)

    async def delete(self, key: str) -> None:
        async def delete(client: redis.Redis) -> None:
            await client.delete(key)

        await self.redis.call("delete", delete, None)

    async def close(self) -> None:
        await self.redis.close()


def _decode(key: str, raw: bytes | None) -> CacheValue | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        # A foreign or corrupt value: a miss, recomputed and overwritten.
        log.warning("Ignoring a cached value under %s that is not JSON", key)
        return None
    return value if isinstance(value, dict) else None
