"""Score new edits from the Wikimedia event stream ahead of requests, so that they hit the cache.

`command` is `revertrisk precache`. The edits come from one of two sources: `sse/` (the
EventStreams stream, resumed from the last event id) or `kafka/` (a consumer group, resumed from
committed offsets). What both share stays here: the runner (the bounded scoring loop, whose
score function and counts the Kafka consumer uses too), the filters, the commit tracker (which
position is safe to resume from), the retry policy, the metrics and the two scorers
(in-process, or posting to a server).
"""

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
