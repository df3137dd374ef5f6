"""At most FEEDBACK_RATE_PER_MINUTE judgments per tool token, with bursts of FEEDBACK_RATE_BURST.

A token bucket per tool, per serving process: a patroller clicking through a queue stays far below
it; a runaway script is stopped with 429 and Retry-After. Several replicas each keep their own
buckets, so the fleet-wide ceiling is the per-process one times the replicas.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from revertrisk_service.errors import FeedbackRateLimited


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class ToolRateLimit:
    per_minute: int
    burst: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, tool: str) -> None:
        """Spend one judgment of `tool`'s allowance, or raise 429 saying when to try again."""
        rate_per_s = self.per_minute / 60.0
        now = self.clock()
        with self._lock:
            bucket = self._buckets.setdefault(tool, _Bucket(float(self.burst), now))
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * rate_per_s)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait_s = math.ceil((1.0 - bucket.tokens) / rate_per_s)
        raise FeedbackRateLimited(
            f"Tool {tool!r} sent judgments faster than {self.per_minute} a minute; "
            f"retry in {wait_s} s.",
            retry_after_s=wait_s,
        ).with_headers({"Retry-After": str(wait_s)})
