"""Records the scores of stream edits (origin "precache") as the scoring path announces them,
for the outcome detector to decide later.

A score listener must never block or fail scoring, so `offer` only queues the edit; a thread of
its own writes the queue in batches. While the database is down the batch in hand is retried
with capped backoff and the queue fills up to `max_queued`; past that, new scores are counted
and dropped (an edit whose score is missing is simply not measured, no outcome is falsified).
"""

from __future__ import annotations

import logging
import queue
import threading

from revertrisk_service.config import Settings
from revertrisk_service.errors import OutcomesUnavailable
from revertrisk_service.outcomes import metrics
from revertrisk_service.outcomes.records import RecordedScore
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.scored_edits import Origin, ScoredEdit, ScoreKey, ScoreListeners

log = logging.getLogger(__name__)


def recorded_score(edit: ScoredEdit, shadow: bool = False) -> RecordedScore:
    return RecordedScore(
        wiki_db=edit.wiki.dbname,
        rev_id=edit.rev_id,
        page_id=edit.page_id,
        model_name=edit.model_name,
        model_version=edit.model_version,
        probability=edit.probability,
        editor_anonymous=edit.is_anonymous or edit.is_temporary,
        scored_at=edit.scored_at,
        shadow=shadow,
        saved_at=edit.rev_timestamp,
    )


class ScoreRecorder:
    def __init__(
        self,
        store: SqlOutcomeStore,
        max_queued: int = 100_000,
        batch_size: int = 500,
        retry_max_s: float = 30.0,
    ) -> None:
        self.store = store
        self.batch_size = batch_size
        self.retry_max_s = retry_max_s
        self.dropped = 0
        self._queue: queue.Queue[RecordedScore] = queue.Queue(maxsize=max_queued)
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="score-recorder", daemon=True)
        self._thread.start()

    def attach(self, listeners: ScoreListeners) -> None:
        # Cached scores too: an edit a client asked for before the stream reached it is still
        # a stream edit with an outcome to come.
        listeners.add(self.offer, wants_cached=self._wants_cached)

    @staticmethod
    def _wants_cached(_key: ScoreKey, origin: Origin) -> bool:
        return origin == "precache"

    def offer(self, edit: ScoredEdit) -> None:
        if edit.origin != "precache":
            return
        self.offer_recorded(recorded_score(edit))

    def offer_recorded(self, score: RecordedScore) -> None:
        """Queue a score that no listener announces (a challenger's, scored in the shadow)."""
        try:
            self._idle.clear()
            self._queue.put_nowait(score)
        except queue.Full:
            self.dropped += 1
            metrics.SCORES_DROPPED.inc()

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until every queued score is written (tests and shutdown)."""
        return self._idle.wait(timeout_s)

    def close(self, timeout_s: float = 5.0) -> None:
        """Write what is queued (for at most `timeout_s`) and stop."""
        self._stop.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        delay = 0.5
        batch: list[RecordedScore] = []
        while True:
            if not batch:
                try:
                    batch.append(self._queue.get(timeout=0.2))
                except queue.Empty:
                    self._idle.set()
                    if self._stop.is_set():
                        return
                    continue
            while len(batch) < self.batch_size:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self.store.record_scores(batch)
            except OutcomesUnavailable:
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, self.retry_max_s)
                continue
            for edit in batch:
                metrics.SCORES_RECORDED.labels(model=edit.model_name).inc()
            batch = []
            delay = 0.5
            if self._queue.empty():
                self._idle.set()


def build_score_recorder(settings: Settings) -> ScoreRecorder | None:
    """The recorder of the process that scores stream edits, or None when outcomes are off."""
    if not settings.outcomes_enabled:
        return None
    return ScoreRecorder(
        SqlOutcomeStore.from_url(settings.feedback_database_url, settings.feedback_db_timeout_s)
    )
