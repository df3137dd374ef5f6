"""In-process SingleFlight and cross-replica RedisInflight de-duplication."""

from __future__ import annotations

import asyncio

import pytest

from revertrisk_devtools.redis_server import RedisServer
from revertrisk_service.cache import (
    GuardedRedis,
    MemoryScoreCache,
    RedisInflight,
    RedisScoreCache,
    SingleFlight,
)


async def test_concurrent_identical_runs_compute_once() -> None:
    flights = SingleFlight()
    calls = 0
    gate = asyncio.Event()

    async def compute() -> dict:
        nonlocal calls
        calls += 1
        await gate.wait()
        return {"score": 0.4}

    tasks = [asyncio.create_task(flights.run("k", compute)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*tasks) == [{"score": 0.4}] * 5
    assert calls == 1
    assert len(flights) == 0


async def test_claim_resolve_protocol() -> None:
    flights = SingleFlight()
    assert flights.claim("k") is None  # owner
    waiter = flights.claim("k")
    assert waiter is not None
    flights.resolve("k", 7)
    assert await waiter == 7
    assert flights.claim("k") is None  # released: the next claim owns it again


async def test_failure_reaches_every_waiter_and_releases_the_key() -> None:
    flights = SingleFlight()
    gate = asyncio.Event()

    async def broken() -> None:
        await gate.wait()
        raise ValueError("upstream said no")

    tasks = [asyncio.create_task(flights.run("k", broken)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, ValueError) for r in results)
    assert len(flights) == 0


async def test_cancelled_owner_hands_over_to_a_waiter() -> None:
    flights = SingleFlight()
    owner_started = asyncio.Event()
    calls = 0

    async def compute() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            owner_started.set()
            await asyncio.Event().wait()  # hangs until cancelled
        return "computed by the waiter"

    owner = asyncio.create_task(flights.run("k", compute))
    await owner_started.wait()
    waiter = asyncio.create_task(flights.run("k", compute))
    await asyncio.sleep(0)
    owner.cancel()
    assert await waiter == "computed by the waiter"
    with pytest.raises(asyncio.CancelledError):
        await owner
    assert calls == 2


async def test_cancelled_waiter_does_not_cancel_the_owner() -> None:
    flights = SingleFlight()
    gate = asyncio.Event()

    async def compute() -> int:
        await gate.wait()
        return 1

    owner = asyncio.create_task(flights.run("k", compute))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(flights.run("k", compute))
    await asyncio.sleep(0)
    waiter.cancel()
    gate.set()
    assert await owner == 1


@pytest.fixture
async def guarded(redis_server: RedisServer):
    guarded = GuardedRedis(
        redis_server.url, socket_timeout_s=0.2, failure_threshold=1, cooldown_s=30
    )
    yield guarded
    await guarded.close()


async def test_inflight_waiter_picks_up_the_owners_result(guarded: GuardedRedis) -> None:
    cache = RedisScoreCache("", guarded=guarded)
    owner = RedisInflight(guarded, owner_id="replica-a")
    other = RedisInflight(guarded, owner_id="replica-b")
    assert await owner.try_acquire("k", ttl_ms=10_000)
    assert not await other.try_acquire("k", ttl_ms=10_000)

    async def finish_owner() -> None:
        await asyncio.sleep(0.05)
        await cache.set_many([("k", {"score": 0.9}, 60)])
        await owner.release("k")

    finishing = asyncio.create_task(finish_owner())
    assert await other.wait_for_result("k", cache, timeout_s=10, poll_s=0.01) == {"score": 0.9}
    await finishing
    assert not await owner.is_held("k")


async def test_inflight_waiter_gives_up_when_the_owner_dies(guarded: GuardedRedis) -> None:
    cache = RedisScoreCache("", guarded=guarded)
    dead_owner = RedisInflight(guarded, owner_id="replica-a")
    waiter = RedisInflight(guarded, owner_id="replica-b")
    # The owner takes the marker and is never heard from again.
    assert await dead_owner.try_acquire("k", ttl_ms=60_000)
    assert await waiter.wait_for_result("k", cache, timeout_s=0.1, poll_s=0.02) is None
    # A marker that expires also ends the wait, well before a long timeout.
    assert await dead_owner.try_acquire("k2", ttl_ms=50)
    assert await waiter.wait_for_result("k2", cache, timeout_s=60, poll_s=0.02) is None


async def test_release_only_removes_our_own_marker(guarded: GuardedRedis) -> None:
    a = RedisInflight(guarded, owner_id="a")
    b = RedisInflight(guarded, owner_id="b")
    assert await a.try_acquire("k", ttl_ms=10_000)
    await b.release("k")
    assert await a.is_held("k")
    await a.release("k")
    assert not await a.is_held("k")


async def test_inflight_with_redis_down_computes_locally(
    guarded: GuardedRedis,
    redis_server: RedisServer,
) -> None:
    inflight = RedisInflight(guarded)
    redis_server.kill()
    assert await inflight.try_acquire("k", ttl_ms=1000) is True
    assert await inflight.try_acquire("k", ttl_ms=1000) is True  # breaker open: no network
    await inflight.release("k")
    memory = MemoryScoreCache(10)
    assert await inflight.wait_for_result("k", memory, timeout_s=5, poll_s=0.01) is None
