"""What the precache loops (SSE and Kafka) hand every stream event to: the revert detector, with
its periodic sweep, behind one small interface. Nothing here may stop the stream: an event it
cannot read is skipped (the precache loop counts invalid events itself).

The stream does not wait for the detector: each revision is queued to one of `lanes` workers,
chosen by its page, so one page's revisions stay in order while a page read back from the
database does not hold up the others. The queues are bounded (the stream waits when one is
full), and `flush` first lets every queued revision through, so a committed stream position
never passes a revision the detector has not processed and written."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

from revertrisk_service.config import Settings
from revertrisk_service.outcomes.detector import RevertDetector
from revertrisk_service.outcomes.event_facts import ObservedRevision, observed_revision
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.wikis import wiki_by_dbname

log = logging.getLogger(__name__)


class StreamObserver:
    def __init__(
        self,
        detector: RevertDetector,
        sweep_interval_s: float = 10.0,
        lanes: int = 8,
        lane_size: int = 1000,
    ) -> None:
        self.detector = detector
        self.sweep_interval_s = sweep_interval_s
        self._lanes: list[asyncio.Queue[ObservedRevision]] = [
            asyncio.Queue(maxsize=lane_size) for _ in range(lanes)
        ]
        self._tasks: list[asyncio.Task[None]] = []
        # Per lane: revisions queued, and revisions processed; flush waits for the second to
        # reach what the first was when it began (not for empty lanes, which a busy stream
        # might never leave).
        self._queued = [0] * lanes
        self._processed = [0] * lanes
        self._progress = asyncio.Condition()

    def _start(self) -> None:
        self._tasks = [asyncio.create_task(self.detector.run_sweeps(self.sweep_interval_s))]
        self._tasks += [asyncio.create_task(self._work(i)) for i in range(len(self._lanes))]

    async def observe(self, data: str | bytes | None) -> None:
        if not self._tasks:
            self._start()
        try:
            event = json.loads(data) if data else None
        except ValueError:
            return
        seen = observed_revision(event) if isinstance(event, dict) else None
        if seen is None or wiki_by_dbname(seen.revision.wiki_db) is None:
            return
        index = hash((seen.revision.wiki_db, seen.revision.page_id)) % len(self._lanes)
        self._queued[index] += 1
        await self._lanes[index].put(seen)

    async def _work(self, index: int) -> None:
        lane = self._lanes[index]
        while True:
            seen = await lane.get()
            try:
                await self.detector.observe(seen)
            except Exception:
                # One revision the detector cannot handle must not stop it for the others.
                log.exception("the revert detector failed on revision %d", seen.revision.rev_id)
            async with self._progress:
                self._processed[index] += 1
                self._progress.notify_all()

    async def flush(self) -> bool:
        """Before the stream position is committed: False when the outcomes could not be kept
        (the position must then stay where it is)."""
        targets = list(self._queued)
        async with self._progress:
            await self._progress.wait_for(
                lambda: all(done >= target for done, target in zip(self._processed, targets,
                                                                   strict=True)))
        return await self.detector.flush()

    async def aclose(self) -> None:
        """Process what is queued, write it, and stop."""
        if self._tasks:
            await asyncio.shield(self.flush())
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []


def build_stream_observer(settings: Settings) -> StreamObserver | None:
    """The observer for `revertrisk precache`, or None when outcomes are off."""
    if not settings.outcomes_enabled:
        return None
    store = SqlOutcomeStore.from_url(settings.feedback_database_url,
                                     settings.feedback_db_timeout_s)
    detector = RevertDetector(
        store,
        radius=settings.outcomes_radius,
        window=timedelta(seconds=settings.outcomes_window_s),
        max_pages=settings.outcomes_max_pages,
    )
    return StreamObserver(detector, settings.outcomes_sweep_interval_s)
