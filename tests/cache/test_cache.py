"""Cache keys, the in-memory cache and the circuit breaker (no Redis needed)."""

from __future__ import annotations

import pytest

from revertrisk_service.cache import (
    BreakerState,
    CircuitBreaker,
    MemoryScoreCache,
    score_cache_key,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_key_layout() -> None:
    assert score_cache_key("language-agnostic", "3", "enwiki", 123) == (
        "revertrisk:language-agnostic:3:enwiki:123"
    )


async def test_memory_hit_and_miss() -> None:
    cache = MemoryScoreCache(max_entries=10)
    key = score_cache_key("la", "1", "enwiki", 1)
    await cache.set_many([(key, {"score": 0.25}, 60)])
    assert await cache.get_many([key, score_cache_key("la", "1", "enwiki", 2)]) == [
        {"score": 0.25},
        None,
    ]


async def test_memory_new_model_version_misses() -> None:
    cache = MemoryScoreCache(max_entries=10)
    await cache.set_many([(score_cache_key("la", "1", "enwiki", 7), {"score": 0.5}, 60)])
    assert await cache.get_many([score_cache_key("la", "2", "enwiki", 7)]) == [None]


async def test_memory_ttl_expiry_with_injected_clock() -> None:
    clock = FakeClock()
    cache = MemoryScoreCache(max_entries=10, clock=clock)
    await cache.set_many([("short", {"score": 1.0}, 5), ("long", {"error": {"code": "x"}}, 50)])
    clock.now += 4.9
    assert await cache.get_many(["short", "long"]) == [{"score": 1.0}, {"error": {"code": "x"}}]
    clock.now += 0.2
    assert await cache.get_many(["short", "long"]) == [None, {"error": {"code": "x"}}]
    assert len(cache) == 1


async def test_memory_is_lru_bounded() -> None:
    cache = MemoryScoreCache(max_entries=2)
    await cache.set_many([("a", {"v": 1}, 60), ("b", {"v": 2}, 60)])
    await cache.get_many(["a"])  # "b" is now the least recently used
    await cache.set_many([("c", {"v": 3}, 60)])
    assert await cache.get_many(["a", "b", "c"]) == [{"v": 1}, None, {"v": 3}]


async def test_memory_values_are_copies_and_delete_works() -> None:
    cache = MemoryScoreCache(max_entries=2)
    value = {"score": 0.1}
    await cache.set_many([("k", value, 60), ("zero-ttl", value, 0)])
    value["score"] = 0.9
    got = (await cache.get_many(["k"]))[0]
    assert got == {"score": 0.1}
    got["score"] = 0.7
    assert await cache.get_many(["k", "zero-ttl"]) == [{"score": 0.1}, None]
    await cache.delete("k")
    assert await cache.get_many(["k"]) == [None]


async def test_memory_rejects_values_redis_could_not_store() -> None:
    cache = MemoryScoreCache(max_entries=2)
    with pytest.raises(TypeError):
        await cache.set_many([("k", {"bad": object()}, 60)])


def test_breaker_opens_after_threshold_then_probes_and_closes() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("test-a", failure_threshold=3, cooldown_s=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.record_success()  # failures must be consecutive
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()
    clock.now += 10
    assert breaker.allow()  # the probe
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.allow()  # one probe at a time
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()


def test_breaker_failed_probe_reopens_and_lost_probe_does_not_wedge() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("test-b", failure_threshold=1, cooldown_s=10, clock=clock)
    breaker.record_failure()
    clock.now += 10
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()
    clock.now += 10
    assert breaker.allow()  # a probe whose caller never reports back...
    clock.now += 10
    assert breaker.allow()  # ...is replaced after a cooldown
