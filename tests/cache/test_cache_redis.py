"""RedisScoreCache against a real redis-server, including Redis dying and coming back."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY

from revertrisk_devtools.redis_server import RedisServer
from revertrisk_service.cache import BreakerState, GuardedRedis, RedisScoreCache, score_cache_key


@pytest.fixture
async def cache(redis_server: RedisServer):
    guarded = GuardedRedis(
        redis_server.url, socket_timeout_s=0.2, failure_threshold=2, cooldown_s=0.2
    )
    cache = RedisScoreCache(redis_server.url, guarded=guarded)
    yield cache
    await cache.close()


async def test_hit_miss_and_version_invalidation(cache: RedisScoreCache) -> None:
    v1 = score_cache_key("la", "1", "enwiki", 42)
    await cache.set_many([(v1, {"score": 0.3}, 60), ("neg", {"error": {"code": "gone"}}, 60)])
    assert await cache.get_many([v1, "neg", "absent"]) == [
        {"score": 0.3},
        {"error": {"code": "gone"}},
        None,
    ]
    assert await cache.get_many([score_cache_key("la", "2", "enwiki", 42)]) == [None]
    await cache.delete(v1)
    assert await cache.get_many([v1]) == [None]
    assert await cache.get_many([]) == []


async def test_real_ttl_expiry(cache: RedisScoreCache) -> None:
    await cache.set_many([("short", {"score": 1.0}, 0.05), ("long", {"score": 0.0}, 60)])
    for _ in range(200):
        if (await cache.get_many(["short"]))[0] is None:
            break
        await asyncio.sleep(0.02)
    assert await cache.get_many(["short", "long"]) == [None, {"score": 0.0}]


async def test_non_json_value_is_a_miss(cache: RedisScoreCache) -> None:
    await cache.redis.client.set("junk", b"\xff not json")
    assert await cache.get_many(["junk"]) == [None]


async def test_dead_redis_opens_breaker_and_recovers(
    cache: RedisScoreCache,
    redis_server: RedisServer,
) -> None:
    await cache.set_many([("k", {"score": 0.5}, 60)])
    redis_server.kill()

    # Failures are misses and dropped writes, never exceptions.
    assert await cache.get_many(["k"]) == [None]
    await cache.set_many([("k2", {"score": 0.1}, 60)])
    assert cache.redis.breaker.state is BreakerState.OPEN

    # While open, calls do not touch the network at all.
    def skipped_reads() -> float:
        sample = REGISTRY.get_sample_value("revertrisk_redis_skipped_total", {"operation": "mget"})
        return sample or 0.0

    skipped = skipped_reads()
    for _ in range(50):
        assert await cache.get_many(["k"]) == [None]
        await cache.set_many([("k", {"score": 0.5}, 60)])
    assert skipped_reads() == skipped + 50

    # Redis comes back (empty): after the cooldown a probe closes the breaker by itself.
    redis_server.restart()
    for _ in range(500):
        await cache.set_many([("k", {"score": 0.75}, 60)])
        if cache.redis.breaker.state is BreakerState.CLOSED:
            break
        await asyncio.sleep(0.02)
    assert cache.redis.breaker.state is BreakerState.CLOSED
    assert await cache.get_many(["k"]) == [{"score": 0.75}]


async def test_unreachable_redis_from_the_start() -> None:
    unreachable = "redis://127.0.0.1:1/0"
    guarded = GuardedRedis(unreachable, socket_timeout_s=0.1, failure_threshold=1)
    cache = RedisScoreCache(unreachable, guarded=guarded)
    try:
        assert await cache.get_many(["a", "b"]) == [None, None]
        await cache.set_many([("a", {"score": 0.1}, 60)])
        await cache.delete("a")
        assert cache.redis.breaker.state is BreakerState.OPEN
    finally:
        await cache.close()
