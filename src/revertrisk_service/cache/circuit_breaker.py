"""A circuit breaker, so that a dead dependency costs nothing per request while it stays dead.

closed --N consecutive failures--> open --cooldown--> half-open (one probe call)
half-open --probe succeeds--> closed;  half-open --probe fails--> open again.

Used from one asyncio event loop only, so it needs no lock.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable

from prometheus_client import Gauge

BREAKER_STATE = Gauge(
    "revertrisk_circuit_breaker_state",
    "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
    ["breaker"],
)


class BreakerState(enum.IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        failure_threshold: int = 3,
        cooldown_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._consecutive_failures = 0
        self._opened_at = 0.0
        self._probe_started_at: float | None = None
        self._gauge = BREAKER_STATE.labels(breaker=name)
        self._gauge.set(BreakerState.CLOSED)

    @property
    def state(self) -> BreakerState:
        return self._state

    def allow(self) -> bool:
        """Whether a call may go to the dependency now. In half-open, only one probe at a time."""
        if self._state is BreakerState.CLOSED:
            return True
        now = self._clock()
        if self._state is BreakerState.OPEN:
            if now - self._opened_at < self.cooldown_s:
                return False
            self._set_state(BreakerState.HALF_OPEN)
            self._probe_started_at = now
            return True
        # Half-open with a probe out. A probe that never reported (its task was cancelled)
        # must not wedge the breaker, so another one is allowed after a further cooldown.
        if self._probe_started_at is not None and now - self._probe_started_at < self.cooldown_s:
            return False
        self._probe_started_at = now
        return True

    def record_success(self) -> None:
        self._consecutive_failures = 0
        self._probe_started_at = None
        if self._state is not BreakerState.CLOSED:
            self._set_state(BreakerState.CLOSED)

    def record_failure(self) -> None:
        self._consecutive_failures += 1
        if (
            self._state is BreakerState.HALF_OPEN
            or self._consecutive_failures >= self.failure_threshold
        ):
            self._opened_at = self._clock()
            self._probe_started_at = None
            self._set_state(BreakerState.OPEN)

    def _set_state(self, state: BreakerState) -> None:
        self._state = state
        self._gauge.set(state)
