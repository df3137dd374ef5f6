"""The precache loop: read the stream, keep the edits worth scoring, score them in bounded
concurrency, and checkpoint the stream position as events are handled.

Backpressure policy: the work queue is bounded. When it is full the *oldest* queued edit is
dropped (and counted): fresh edits are the ones patrollers are about to look at, while an
old one has likely been scored on demand already. Dropped events count as handled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from revertrisk_service.errors import InvalidEvent
from revertrisk_service.events import EventRevision, IrrelevantEvent, parse_event
from revertrisk_service.outcomes.stream_observer import StreamObserver
from revertrisk_service.precache import metrics
from revertrisk_service.precache.checkpoint import Checkpoint
from revertrisk_service.precache.commit_tracker import CommitTracker
from revertrisk_service.precache.filters import PrecacheFilter
from revertrisk_service.precache.stream import EventStream, StreamMessage
from revertrisk_service.wikis import Wiki

log = logging.getLogger(__name__)

ScoreFn = Callable[[list[EventRevision]], Awaitable[list[Any]]]


@dataclass
class PrecacheStats:
    """Plain counts for logs and tests (the Prometheus counters are process-global)."""

    seen: int = 0
    invalid: int = 0
    filtered: dict[str, int] = field(default_factory=dict)
    matched: int = 0
    dropped: int = 0
    scored: int = 0
    errors: int = 0
    committed_id: str | None = None

    @property
    def handled(self) -> int:
        return self.invalid + sum(self.filtered.values()) + self.dropped + self.scored + self.errors


@dataclass(frozen=True)
class _Work:
    seq: int
    revision: EventRevision


def is_error_result(result: Any) -> bool:
    return isinstance(result, BaseException) or (isinstance(result, dict) and "error" in result)


class PrecacheRunner:
    def __init__(
        self,
        stream: EventStream,
        score_fn: ScoreFn,
        checkpoint: Checkpoint,
        supports: Callable[[Wiki], bool],
        event_filter: PrecacheFilter | None = None,
        concurrency: int = 4,
        queue_size: int = 1000,
        batch_size: int = 10,
        commit_interval_s: float = 1.0,
        log_interval_s: float = 60.0,
        observer: StreamObserver | None = None,
    ) -> None:
        if concurrency < 1 or queue_size < 1 or batch_size < 1:
            raise ValueError("concurrency, queue_size and batch_size must be at least 1")
        self.stream = stream
        self.score_fn = score_fn
        self.checkpoint = checkpoint
        self.supports = supports
        self.filter = event_filter or PrecacheFilter()
        self.concurrency = concurrency
        self.batch_size = batch_size
        self.commit_interval_s = commit_interval_s
        self.log_interval_s = log_interval_s
        self.observer = observer
        self.stats = PrecacheStats()
        self._queue: asyncio.Queue[_Work] = asyncio.Queue(maxsize=queue_size)
        self._tracker = CommitTracker()
        self._commit_lock = asyncio.Lock()
        self._last_error_log = float("-inf")

    async def run(self) -> None:
        """Run until cancelled. On the way out, commit what has been handled."""
        if self.stream.last_event_id is None:
            self.stream.last_event_id = await self.checkpoint.load()
        if self.stream.last_event_id:
            log.info("Resuming %s after event %s", self.stream.url, self.stream.last_event_id)
        tasks = [asyncio.create_task(self._worker()) for _ in range(self.concurrency)]
        tasks.append(asyncio.create_task(self._commit_periodically()))
        try:
            async for message in self.stream.messages():
                if self.observer is not None:
                    await self.observer.observe(message.data)
                self._accept(message)
                # A burst arrives without any await in between: let the workers take work.
                await asyncio.sleep(0)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            # Shielded: this runs while the runner itself is being cancelled.
            await asyncio.shield(self.commit())

    def _accept(self, message: StreamMessage) -> None:
        self.stats.seen += 1
        metrics.EVENTS_SEEN.inc()
        seq = self._tracker.add(message.id)
        try:
            revision = parse_event(json.loads(message.data))
        except IrrelevantEvent:
            self._skip(seq, "irrelevant")
            return
        except (InvalidEvent, ValueError) as exc:
            self.stats.invalid += 1
            metrics.EVENTS_INVALID.inc()
            self._log_error("Skipping an invalid stream event (%s): %.200s", exc, message.data)
            self._tracker.done(seq)
            return
        if revision.event_time is not None:
            lag = (datetime.now(UTC) - revision.event_time).total_seconds()
            metrics.LAG_SECONDS.set(max(lag, 0.0))
        reason = self.filter.reject_reason(revision, self.supports)
        if reason is not None:
            self._skip(seq, reason)
            return
        self.stats.matched += 1
        metrics.EVENTS_MATCHED.inc()
        if self._queue.full():
            oldest = self._queue.get_nowait()
            self.stats.dropped += 1
            metrics.EVENTS_DROPPED.inc()
            self._tracker.done(oldest.seq)
        self._queue.put_nowait(_Work(seq, revision))
        metrics.QUEUE_DEPTH.set(self._queue.qsize())

    def _skip(self, seq: int, reason: str) -> None:
        self.stats.filtered[reason] = self.stats.filtered.get(reason, 0) + 1
        metrics.EVENTS_FILTERED.labels(reason=reason).inc()
        self._tracker.done(seq)

    async def _worker(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            metrics.QUEUE_DEPTH.set(self._queue.qsize())
            try:
                results = list(await self.score_fn([work.revision for work in batch]))
            except Exception as exc:  # noqa: BLE001 - one bad batch must not stop precaching
                results = [exc] * len(batch)
            for work, result in zip(batch, results + [None] * len(batch), strict=False):
                if result is None or is_error_result(result):
                    self.stats.errors += 1
                    metrics.SCORE_ERRORS.inc()
                    self._log_error(
                        "Precaching %s:%d failed: %s",
                        work.revision.wiki.dbname,
                        work.revision.rev_id,
                        result,
                    )
                else:
                    self.stats.scored += 1
                    metrics.SCORED.inc()
                self._tracker.done(work.seq)

    async def _commit_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.commit_interval_s)
            await self.commit()

    async def commit(self) -> None:
        """Save the newest event id whose predecessors are all handled, if it moved."""
        async with self._commit_lock:
            event_id = self._tracker.committable_id
            if event_id is None or event_id == self.stats.committed_id:
                return
            # The outcomes of the events up to here are written first, or the position stays.
            if self.observer is not None and not await self.observer.flush():
                return
            await self.checkpoint.save(event_id)
            self.stats.committed_id = event_id

    def _log_error(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last_error_log >= self.log_interval_s:
            self._last_error_log = now
            log.warning(message, *args)
