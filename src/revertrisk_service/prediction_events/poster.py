"""Posts prediction events to EventGate off the request path: bounded queue, retries, drop counts.

`offer` is a score listener: it only enqueues (dropping and counting when the queue is full), so
EventGate being slow or down never fails or slows a scoring response. One background task sends
what is queued in batches (EventGate takes a JSON array), retrying a failed batch with capped
exponential backoff; a batch still failing after `max_attempts` is dropped and counted, so a long
outage cannot wedge the queue. 4xx answers other than 429 mean EventGate rejected the events
(schema validation): they are counted, not retried.

Each edit and model version is posted once per replica (announced.RecentKeys), whether its score
was computed or found in the cache (`wants_cached` asks for the latter).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import httpx
from prometheus_client import Counter, Gauge

from revertrisk_service.prediction_events.announced import RecentKeys
from revertrisk_service.prediction_events.event_shape import prediction_event
from revertrisk_service.retry import RetryPolicy
from revertrisk_service.scored_edits import Origin, ScoredEdit, ScoreKey, ScoreListeners

log = logging.getLogger(__name__)

EVENTS = Counter(
    "revertrisk_prediction_events_total",
    "Prediction events by outcome: posted, rejected (4xx), dropped_queue_full, "
    "dropped_after_retries, duplicate (already posted by this replica, not sent again).",
    ["outcome"],
)
QUEUED = Gauge("revertrisk_prediction_events_queued", "Prediction events waiting to be posted.")
RETRIES = Counter("revertrisk_prediction_event_retries_total", "Failed EventGate posts retried.")

OUTCOMES = ("posted", "rejected", "dropped_queue_full", "dropped_after_retries", "duplicate")


@dataclass(frozen=True)
class PosterSettings:
    url: str
    stream: str
    user_agent: str
    queue_size: int = 10_000
    max_attempts: int = 6
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    timeout_s: float = 5.0
    batch_size: int = 50
    # Lift Wing posts events for the edits it scores from the stream, not for every API call.
    origins: Collection[str] = ("event", "precache")
    # Edits and model versions remembered as posted (about 200 bytes each).
    remembered: int = 100_000


class EventGatePoster:
    def __init__(self, settings: PosterSettings) -> None:
        self.settings = settings
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(settings.queue_size)
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self._posted = RecentKeys(settings.remembered)

    def attach(self, listeners: ScoreListeners) -> None:
        """Hear of every score of an edit from an event or the stream, computed or cached."""
        listeners.add(self.offer, wants_cached=self.wants_cached)

    def wants_cached(self, key: ScoreKey, origin: Origin) -> bool:
        """A cached score is wanted for an edit of the stream or an event not yet posted."""
        return origin in self.settings.origins and key not in self._posted

    def offer(self, edit: ScoredEdit) -> None:
        if edit.origin not in self.settings.origins:
            return
        if edit.key in self._posted:
            self._count("duplicate")
            return
        self._ensure_running()
        try:
            self._queue.put_nowait(prediction_event(edit, self.settings.stream))
        except asyncio.QueueFull:
            self._count("dropped_queue_full")
        else:
            self._posted.add(edit.key)
        QUEUED.set(self._queue.qsize())

    def _ensure_running(self) -> None:
        # Started from the first offer, which always runs on the serving event loop.
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="eventgate")

    def _count(self, outcome: str, n: int = 1) -> None:
        self.counts[outcome] += n
        EVENTS.labels(outcome).inc(n)

    async def _run(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=self.settings.timeout_s, headers={"User-Agent": self.settings.user_agent}
        )
        try:
            while True:
                batch = [await self._queue.get()]
                while len(batch) < self.settings.batch_size and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                QUEUED.set(self._queue.qsize())
                await self._deliver(batch)
        finally:
            await self._client.aclose()

    async def _deliver(self, batch: list[dict[str, Any]]) -> None:
        retries = RetryPolicy(
            self.settings.backoff_initial_s,
            self.settings.backoff_max_s,
            max_attempts=self.settings.max_attempts,
        ).start()
        while (outcome := await self._post(batch)) is None:
            delay = retries.next_delay()
            if delay is None:
                log.warning(
                    "EventGate: dropped %d events after %d attempts", len(batch), retries.failures
                )
                self._count("dropped_after_retries", len(batch))
                return
            RETRIES.inc()
            await asyncio.sleep(delay)
        self._count(outcome, len(batch))

    async def _post(self, batch: list[dict[str, Any]]) -> str | None:
        """'posted' or 'rejected' when EventGate decided; None when worth another try."""
        assert self._client is not None
        try:
            response = await self._client.post(self.settings.url, json=batch)
        except httpx.HTTPError as error:
            log.info("EventGate unreachable (%s); will retry", type(error).__name__)
            return None
        if response.is_success:
            if response.status_code == 207:
                log.warning("EventGate accepted only some events: %s", response.text[:300])
            return "posted"
        if response.status_code == 429 or response.status_code >= 500:
            log.info("EventGate answered %d; will retry", response.status_code)
            return None
        log.warning("EventGate rejected %d events: %d %s", len(batch), response.status_code,
                    response.text[:300])
        return "rejected"

    async def drain(self, timeout_s: float) -> None:
        """Wait (bounded) until the queue is empty: for orderly shutdown and for tests."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                while not self._queue.empty():
                    await asyncio.sleep(0.02)

    async def aclose(self) -> None:
        if self._task is not None:
            await self.drain(2.0)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
