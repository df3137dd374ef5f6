"""Pick the score cache backend from settings."""

from __future__ import annotations

from revertrisk_service.cache.base import ScoreCache
from revertrisk_service.cache.memory import MemoryScoreCache
from revertrisk_service.cache.redis_cache import RedisScoreCache


def build_score_cache(
    redis_url: str | None,
    max_entries: int = 100_000,
    socket_timeout_s: float = 0.1,
    failure_threshold: int = 3,
    cooldown_s: float = 5.0,
) -> ScoreCache:
    """Redis when a URL is configured (shared by replicas), else a per-process LRU."""
    if redis_url:
        return RedisScoreCache(
            redis_url,
            socket_timeout_s=socket_timeout_s,
            failure_threshold=failure_threshold,
            cooldown_s=cooldown_s,
        )
    return MemoryScoreCache(max_entries)
