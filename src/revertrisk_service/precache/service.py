"""`revertrisk precache`: wire the stream, the filters, the checkpoint and a scorer together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from revertrisk_service.cache.guarded_redis import GuardedRedis
from revertrisk_service.outcomes.stream_observer import StreamObserver
from revertrisk_service.precache.checkpoint import Checkpoint, MemoryCheckpoint, RedisCheckpoint
from revertrisk_service.precache.filters import PrecacheFilter
from revertrisk_service.precache.runner import PrecacheRunner, ScoreFn
from revertrisk_service.precache.stream import DEFAULT_STREAM_URL, EventStream
from revertrisk_service.wikis import Wiki


@dataclass(frozen=True)
class PrecacheConfig:
    user_agent: str
    stream_url: str = DEFAULT_STREAM_URL
    since: str | None = None
    consumer_name: str = "default"
    redis_url: str | None = None
    concurrency: int = 4
    queue_size: int = 1000
    batch_size: int = 10
    commit_interval_s: float = 1.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    event_filter: PrecacheFilter = field(default_factory=PrecacheFilter)


def build_checkpoint(config: PrecacheConfig) -> tuple[Checkpoint, GuardedRedis | None]:
    if not config.redis_url:
        return MemoryCheckpoint(), None
    guarded = GuardedRedis(config.redis_url, socket_timeout_s=1.0, cooldown_s=5.0)
    return RedisCheckpoint(guarded, config.stream_url, config.consumer_name), guarded


async def run_precache(
    config: PrecacheConfig,
    score_fn: ScoreFn,
    supports: Callable[[Wiki], bool],
    checkpoint: Checkpoint | None = None,
    observer: StreamObserver | None = None,
) -> None:
    """Precache forever (until cancelled). `score_fn` is in-process scoring or an HttpPoster."""
    guarded: GuardedRedis | None = None
    if checkpoint is None:
        checkpoint, guarded = build_checkpoint(config)
    stream = EventStream(
        config.stream_url,
        user_agent=config.user_agent,
        since=config.since,
        backoff_initial_s=config.backoff_initial_s,
        backoff_max_s=config.backoff_max_s,
    )
    runner = PrecacheRunner(
        stream,
        score_fn,
        checkpoint,
        supports,
        event_filter=config.event_filter,
        concurrency=config.concurrency,
        queue_size=config.queue_size,
        batch_size=config.batch_size,
        commit_interval_s=config.commit_interval_s,
        observer=observer,
    )
    try:
        await runner.run()
    finally:
        if guarded is not None:
            await guarded.close()
