"""The one retry policy of every outbound call: MediaWiki, EventGate and the event stream.

Capped exponential backoff (initial, twice that, ... up to a maximum), with optional jitter,
and a limit on attempts. Each caller keeps its own loop, because the three differ in what they
do between attempts (a deadline, a batch to drop, a stream to resume), and its own limits and
its own idea of which failures are worth another try; the waits come from here.

tenacity was weighed: its wait strategies are this formula, but its loop fits a function called
again, not a stream that yields and starts its backoff over once data flows, nor a wait that a
server's Retry-After replaces and a caller's deadline cuts short.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    initial_s: float
    max_s: float
    max_attempts: int | None = None
    """Attempts in all, the first included; None: never give up."""
    jitter: float = 0.0
    """Up to this fraction of the backoff is added at random, so that the retries of concurrent
    callers do not arrive together."""

    def backoff(self, failures: int) -> float:
        """The wait after the `failures`-th failure in a row (1 for the first)."""
        return min(self.max_s, self.initial_s * 2 ** (failures - 1))

    def start(self) -> Retries:
        return Retries(self)


class Retries:
    """One operation's failures so far under a policy."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.failures = 0

    def next_delay(
        self, retry_after: float | None = None, within: float | None = None
    ) -> float | None:
        """Counts a failure; the wait before the next attempt, or None to give up: the attempts
        are spent, or the wait would not end `within` the seconds the caller has left.
        `retry_after`, the server's own answer to how long to wait, replaces the backoff."""
        self.failures += 1
        policy = self.policy
        if policy.max_attempts is not None and self.failures >= policy.max_attempts:
            return None
        backoff = policy.backoff(self.failures)
        delay = backoff if retry_after is None else retry_after
        if policy.jitter:
            delay += random.uniform(0, policy.jitter * backoff)
        if within is not None and delay >= within:
            return None
        return delay

    def reset(self) -> None:
        """The operation worked again: the next failure starts from the initial wait."""
        self.failures = 0
