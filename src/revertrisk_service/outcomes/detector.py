"""The live revert detector: the stream's revisions, page by page, through the dataset labels'
own identity-revert rule (identity_reverts.PageReverts), plus the revisions an event names as
reverted (rev_revert_details). Each decision is written to the outcome store as it is made.

Memory bound: the recent hashes of at most `max_pages` pages, each at most `radius` + 1 of them
(PageReverts keeps no more), the least recently edited page dropped first. A dropped page is not
forgotten: every revision seen is written to the store (outcome_page_revisions), and a page the
detector meets again, or meets first after a restart, is read back from there before its new
revision is processed. Writes wait in a buffer of at most `max_buffered` rows for the next flush;
the stream's position is only committed after a flush succeeded (the precache runners call
`flush` first), so a crash replays whatever was not yet written. While the database is down the
stream goes on: pages met then start from what memory holds, and reads are retried after a
cool-down rather than on every event.

Windows close by stream time, not by the clock: an edit is decided "not reverted" once the
stream has reached `window` past its save time (the sweep), so a replay after a restart is read
before anything is decided for lack of a revert.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import anyio

from revertrisk_service.errors import OutcomesUnavailable
from revertrisk_service.identity_reverts import PageReverts
from revertrisk_service.outcomes import metrics
from revertrisk_service.outcomes.event_facts import ObservedRevision
from revertrisk_service.outcomes.records import DecisionSource, Outcome, PageRevision
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore

log = logging.getLogger(__name__)

PageKey = tuple[str, int]
T = TypeVar("T")


class RevertDetector:
    def __init__(
        self,
        store: SqlOutcomeStore,
        radius: int = 15,
        window: timedelta = timedelta(hours=48),
        max_pages: int = 10_000,
        max_buffered: int = 100_000,
        read_cooldown_s: float = 10.0,
    ) -> None:
        if max_pages < 1 or max_buffered < 1:
            raise ValueError("max_pages and max_buffered must be at least 1")
        self.store = store
        self.radius = radius
        self.window = window
        self.max_pages = max_pages
        self.max_buffered = max_buffered
        self.watermark: datetime | None = None  # the newest save time seen in the stream
        self.dropped_writes = 0
        self.read_cooldown_s = read_cooldown_s
        self._reads_resume_at = float("-inf")
        self._pages: OrderedDict[PageKey, PageReverts[PageRevision]] = OrderedDict()
        self._revisions: deque[PageRevision] = deque()
        self._outcomes: deque[Outcome] = deque()
        self._flush_lock = asyncio.Lock()

    @property
    def pages_in_memory(self) -> int:
        return len(self._pages)

    async def observe(self, seen: ObservedRevision) -> list[Outcome]:
        """Process one stream revision; returns the outcomes it decided (also buffered)."""
        revision = seen.revision
        page = await self._page((revision.wiki_db, revision.page_id))
        remembered = {kept.rev_id: kept for kept in page.remembered()}
        if revision.rev_id in remembered:
            return []  # replayed after a restart: already processed
        revert = page.process(revision)
        self._buffer(self._revisions, revision)
        if self.watermark is None or revision.timestamp > self.watermark:
            self.watermark = revision.timestamp
        by_identity = {undone.rev_id: label for undone, label in revert.labels} if revert else {}
        named = await self._named_in_window(seen, remembered)
        decided = []
        now = datetime.now(UTC)
        for rev_id in sorted(by_identity.keys() | named.keys()):
            source = (
                DecisionSource.SHA1_AND_EVENT if rev_id in by_identity and rev_id in named
                else DecisionSource.SHA1 if rev_id in by_identity else DecisionSource.EVENT
            )
            seconds = (by_identity[rev_id].seconds_to_revert if rev_id in by_identity
                       else named[rev_id])
            decided.append(Outcome(
                wiki_db=revision.wiki_db, rev_id=rev_id, reverted=True, decided_by=source,
                decided_at=now, reverting_rev_id=revision.rev_id,
                reverted_by=revision.user_text, seconds_to_revert=seconds,
            ))
        for outcome in decided:
            self._buffer(self._outcomes, outcome)
            metrics.REVERTS_SEEN.labels(source=str(outcome.decided_by)).inc()
        metrics.REVISIONS_SEEN.inc()
        return decided

    async def _page(self, key: PageKey) -> PageReverts[PageRevision]:
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
            return page
        page = PageReverts(self.radius, self.window)
        # The buffer first, then the database: a flush in between moves a revision from the
        # first to the second, and this order sees it in one or the other.
        waiting = [r for r in self._revisions if (r.wiki_db, r.page_id) == key]
        stored = await self._read(self.store.page_history, key[0], key[1], self.radius + 1) or []
        history = {r.rev_id: r for r in [*stored, *waiting]}
        for old in sorted(history.values(), key=lambda r: (r.timestamp, r.rev_id)):
            page.process(old)  # reverts among them were decided when they happened
        self._pages[key] = page
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        metrics.PAGES_IN_MEMORY.set(len(self._pages))
        return page

    async def _named_in_window(
        self, seen: ObservedRevision, remembered: dict[int, PageRevision]
    ) -> dict[int, float]:
        """Seconds to revert of each revision the event names, within the window."""
        if not seen.reverted_rev_ids:
            return {}
        saved = {r: remembered[r].timestamp for r in seen.reverted_rev_ids if r in remembered}
        unknown = [r for r in seen.reverted_rev_ids if r not in saved]
        if unknown:
            saved |= await self._read(
                self.store.saved_times, seen.revision.wiki_db, unknown) or {}
        elapsed = {r: seen.revision.timestamp - at for r, at in saved.items()}
        return {r: e.total_seconds() for r, e in elapsed.items() if e <= self.window}

    async def _read(self, call: Callable[..., T], *args: object) -> T | None:
        """A read the stream waits for; None while the database is down, without waiting for
        a connection timeout on every event (the reads resume after a cool-down)."""
        if time.monotonic() < self._reads_resume_at:
            return None
        try:
            return await anyio.to_thread.run_sync(call, *args)
        except OutcomesUnavailable:
            self._reads_resume_at = time.monotonic() + self.read_cooldown_s
            log.warning("outcome database down: pages are read back again in %.0f s",
                        self.read_cooldown_s)
            return None

    def _buffer(self, buffer: deque, row: object) -> None:
        if len(self._revisions) + len(self._outcomes) >= self.max_buffered:
            # The database has been down long enough to fill the buffer: the oldest rows go
            # (the checkpoint stays behind them, so a restart's replay brings them back).
            (self._revisions or self._outcomes).popleft()
            self.dropped_writes += 1
            metrics.WRITES_DROPPED.inc()
        buffer.append(row)

    async def flush(self) -> bool:
        """Write what is buffered; False (with everything kept) when the database is down."""
        async with self._flush_lock:
            revisions, outcomes = list(self._revisions), list(self._outcomes)
            if not revisions and not outcomes:
                return True
            try:
                await anyio.to_thread.run_sync(self._write, revisions, outcomes)
            except OutcomesUnavailable:
                metrics.FLUSH_FAILURES.inc()
                return False
            for _ in revisions:
                self._revisions.popleft()
            for _ in outcomes:
                self._outcomes.popleft()
            return True

    def _write(self, revisions: list[PageRevision], outcomes: list[Outcome]) -> None:
        # Revisions first: an outcome is never kept without the history that explains it.
        self.store.remember_revisions(revisions)
        new = self.store.record_outcomes(outcomes)
        metrics.OUTCOMES_DECIDED.labels(reverted="true").inc(new)

    async def sweep(self) -> int:
        """Decide "not reverted" for scored edits whose window the stream has passed, and forget
        revisions too old to be reverted in a window that counts. Returns the number decided."""
        if self.watermark is None or not await self.flush():
            return 0
        cutoff = self.watermark - self.window
        try:
            decided = await anyio.to_thread.run_sync(
                self.store.close_windows, cutoff, datetime.now(UTC)
            )
            # A revert restores a state at most `radius` revisions back; one older than a
            # window can still be the restored state, so its hash is kept a second window.
            await anyio.to_thread.run_sync(self.store.forget_revisions_before, cutoff - self.window)
        except OutcomesUnavailable:
            metrics.FLUSH_FAILURES.inc()
            return 0
        metrics.OUTCOMES_DECIDED.labels(reverted="false").inc(decided)
        return decided

    async def run_sweeps(self, interval_s: float) -> None:
        """Flush and sweep every `interval_s` until cancelled; one last flush on the way out."""
        try:
            while True:
                await asyncio.sleep(interval_s)
                await self.sweep()
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.flush())
