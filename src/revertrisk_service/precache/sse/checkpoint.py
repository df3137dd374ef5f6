"""Where the precacher remembers the last stream event it has fully handled.

The stored value is the SSE event id, sent back as Last-Event-ID after a restart.
"""

from __future__ import annotations

from typing import Protocol

import redis.asyncio as redis

from revertrisk_service.cache.guarded_redis import GuardedRedis


class Checkpoint(Protocol):
    async def load(self) -> str | None:
        """The last committed event id, or None to start from `since` (or now)."""
        ...

    async def save(self, event_id: str) -> None: ...


class MemoryCheckpoint:
    """For tests and for running without Redis (a restart then starts from `since`)."""

    def __init__(self, event_id: str | None = None) -> None:
        self.event_id = event_id
        self.saves = 0

    async def load(self) -> str | None:
        return self.event_id

    async def save(self, event_id: str) -> None:
        self.event_id = event_id
        self.saves += 1


def checkpoint_key(stream: str, consumer: str) -> str:
    return f"revertrisk:precache:checkpoint:{stream}:{consumer}"


class RedisCheckpoint:
    """One key per stream and consumer name, so that several precachers can share a Redis.

    A failed save is dropped (the next one supersedes it); a failed load starts from `since`.
    """

    def __init__(self, guarded: GuardedRedis, stream: str, consumer: str) -> None:
        self.redis = guarded
        self.key = checkpoint_key(stream, consumer)

    async def load(self) -> str | None:
        async def get(client: redis.Redis) -> bytes | None:
            return await client.get(self.key)

        raw = await self.redis.call("checkpoint_load", get, None)
        return raw.decode() if raw is not None else None

    async def save(self, event_id: str) -> None:
        async def set_(client: redis.Redis) -> None:
            await client.set(self.key, event_id)

        await self.redis.call("checkpoint_save", set_, None)
