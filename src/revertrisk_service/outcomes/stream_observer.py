"""What the precache loops (SSE and Kafka) hand every stream event to: the revert detector, with
its periodic sweep, behind one small interface. Nothing here may stop the stream: an event it
cannot read is skipped (the precache loop counts invalid events itself)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

from revertrisk_service.config import Settings
from revertrisk_service.outcomes.detector import RevertDetector
from revertrisk_service.outcomes.event_facts import observed_revision
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.wikis import wiki_by_dbname

log = logging.getLogger(__name__)


class StreamObserver:
    def __init__(self, detector: RevertDetector, sweep_interval_s: float = 10.0) -> None:
        self.detector = detector
        self.sweep_interval_s = sweep_interval_s
        self._sweeps: asyncio.Task[None] | None = None

    async def observe(self, data: str | bytes | None) -> None:
        if self._sweeps is None:
            self._sweeps = asyncio.create_task(self.detector.run_sweeps(self.sweep_interval_s))
        try:
            event = json.loads(data) if data else None
        except ValueError:
            return
        seen = observed_revision(event) if isinstance(event, dict) else None
        if seen is None or wiki_by_dbname(seen.wiki_db) is None:
            return
        await self.detector.observe(seen)

    async def flush(self) -> bool:
        """Before the stream position is committed: False when the outcomes could not be kept
        (the position must then stay where it is)."""
        return await self.detector.flush()

    async def aclose(self) -> None:
        if self._sweeps is not None:
            self._sweeps.cancel()
            await asyncio.gather(self._sweeps, return_exceptions=True)
        await self.detector.flush()


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
