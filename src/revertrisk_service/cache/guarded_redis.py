"""One Redis client behind a circuit breaker, with failures logged (rate-limited) and counted.

The score cache, the cross-replica in-flight markers and the stream checkpoint all talk to
Redis through this, so a dead Redis opens a single breaker and every user falls back at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as redis
from prometheus_client import Counter
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from revertrisk_service.cache.circuit_breaker import CircuitBreaker

log = logging.getLogger(__name__)

REDIS_FAILURES = Counter(
    "revertrisk_redis_failures_total",
    "Redis calls that failed or timed out, by operation.",
    ["operation"],
)
REDIS_SKIPPED = Counter(
    "revertrisk_redis_skipped_total",
    "Redis calls not attempted because the circuit breaker was open, by operation.",
    ["operation"],
)

T = TypeVar("T")


class GuardedRedis:
    def __init__(
        self,
        url: str,
        socket_timeout_s: float = 0.1,
        connect_timeout_s: float | None = None,
        failure_threshold: int = 3,
        cooldown_s: float = 5.0,
        log_interval_s: float = 30.0,
        breaker: CircuitBreaker | None = None,
        max_connections: int = 64,
    ) -> None:
        # No retries inside redis-py: a retry doubles the cost of every call to a dead Redis,
        # and the breaker is the retry policy.
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=socket_timeout_s,
            socket_connect_timeout=connect_timeout_s or socket_timeout_s,
            retry=Retry(NoBackoff(), 0),
            retry_on_timeout=False,
            max_connections=max_connections,
            decode_responses=False,
        )
        # Belt and braces over the socket timeouts (connection pool waits, DNS).
        self._call_timeout_s = 2 * (socket_timeout_s + (connect_timeout_s or socket_timeout_s))
        self.breaker = breaker or CircuitBreaker(
            "redis", failure_threshold=failure_threshold, cooldown_s=cooldown_s
        )
        self._log_interval_s = log_interval_s
        self._last_log_at = float("-inf")
        self._suppressed_logs = 0

    async def call(
        self, operation: str, fn: Callable[[redis.Redis], Awaitable[T]], fallback: T
    ) -> T:
        """Run `fn(client)`; on any Redis failure, or while the breaker is open, return `fallback`."""
        if not self.breaker.allow():
            REDIS_SKIPPED.labels(operation=operation).inc()
            return fallback
        try:
            async with asyncio.timeout(self._call_timeout_s):
                result = await fn(self.client)
        except (redis.RedisError, OSError, TimeoutError) as exc:
            self.breaker.record_failure()
            REDIS_FAILURES.labels(operation=operation).inc()
            self._log_failure(operation, exc)
            return fallback
        self.breaker.record_success()
        return result

    def _log_failure(self, operation: str, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_log_at < self._log_interval_s:
            self._suppressed_logs += 1
            return
        suppressed, self._suppressed_logs = self._suppressed_logs, 0
        self._last_log_at = now
        log.warning(
            "Redis %s failed (%s: %s); breaker %s; %d similar failures not logged since last line",
            operation,
            type(exc).__name__,
            exc,
            self.breaker.state.name.lower(),
            suppressed,
        )

    async def close(self) -> None:
        try:
            await self.client.aclose()
        except (redis.RedisError, OSError):
            pass
