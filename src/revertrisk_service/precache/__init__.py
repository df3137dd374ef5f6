"""Score new edits from the Wikimedia event stream ahead of requests, so that they hit the cache."""

from revertrisk_service.precache.filters import PrecacheFilter
from revertrisk_service.precache.http_poster import HttpPoster
from revertrisk_service.precache.runner import PrecacheRunner, PrecacheStats, ScoreFn
from revertrisk_service.precache.sse.checkpoint import Checkpoint, MemoryCheckpoint, RedisCheckpoint
from revertrisk_service.precache.sse.mode import PrecacheConfig, run_precache
from revertrisk_service.precache.sse.stream import DEFAULT_STREAM_URL, EventStream, StreamMessage

__all__ = [
    "DEFAULT_STREAM_URL",
    "Checkpoint",
    "EventStream",
    "HttpPoster",
    "MemoryCheckpoint",
    "PrecacheConfig",
    "PrecacheFilter",
    "PrecacheRunner",
    "PrecacheStats",
    "RedisCheckpoint",
    "ScoreFn",
    "StreamMessage",
    "run_precache",
]
