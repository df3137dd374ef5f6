"""Score caching and request de-duplication, in-process and across replicas."""

from revertrisk_service.cache.base import CacheItem, CacheValue, ScoreCache
from revertrisk_service.cache.circuit_breaker import BreakerState, CircuitBreaker
from revertrisk_service.cache.guarded_redis import GuardedRedis
from revertrisk_service.cache.keys import score_cache_key
from revertrisk_service.cache.memory import MemoryScoreCache
from revertrisk_service.cache.redis_cache import RedisScoreCache
from revertrisk_service.cache.redis_inflight import RedisInflight
from revertrisk_service.cache.singleflight import FlightAbandoned, SingleFlight

__all__ = [
    "BreakerState",
    "CacheItem",
    "CacheValue",
    "CircuitBreaker",
    "FlightAbandoned",
    "GuardedRedis",
    "MemoryScoreCache",
    "RedisInflight",
    "RedisScoreCache",
    "ScoreCache",
    "SingleFlight",
    "score_cache_key",
]
