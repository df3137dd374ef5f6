"""The precache loop and outcomes: every SSE event reaches the detector, the checkpoint waits
for the outcomes to be written, and the score recorder keeps stream scores only, within its
bound, through a database outage."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from pathlib import Path

from precache.test_precache import Recorder, make_runner, run_until, wait_for

from revertrisk_devtools.ports import free_port
from revertrisk_devtools.sse_server import SSEServer
from revertrisk_service.outcomes.detector import RevertDetector
from revertrisk_service.outcomes.recorder import ScoreRecorder
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore
from revertrisk_service.outcomes.stream_observer import StreamObserver
from revertrisk_service.precache import MemoryCheckpoint
from revertrisk_service.scored_edits import ScoredEdit, ScoreListeners
from revertrisk_service.wikis import wiki_by_dbname


def revision_create(rev_id: int, text: str, *, bot: bool = False) -> dict:
    return {
        "$schema": "/mediawiki/revision/create/2.0.0",
        "meta": {"stream": "mediawiki.revision-create", "dt": "2026-03-01T12:00:00Z"},
        "database": "enwiki", "page_id": 5, "page_namespace": 0, "rev_id": rev_id,
        "rev_parent_id": rev_id - 1, "rev_sha1": hashlib.sha1(text.encode()).hexdigest(),
        "rev_timestamp": f"2026-03-01T12:00:{rev_id % 60:02d}Z",
        "performer": {"user_text": "Bot" if bot else "Ann", "user_is_bot": bot,
                      "user_groups": ["bot"] if bot else ["user"]},
    }


class FlakyFlush(StreamObserver):
    """The observer, with a database that refuses writes until told otherwise."""

    def __init__(self, detector: RevertDetector) -> None:
        super().__init__(detector, sweep_interval_s=60)
        self.down = True

    async def flush(self) -> bool:
        return False if self.down else await super().flush()


async def test_the_checkpoint_waits_for_outcomes_and_bots_feed_the_detector(
    sse_server: SSEServer, tmp_path: Path
) -> None:
    store = SqlOutcomeStore.from_url(f"sqlite:///{tmp_path / 'o.sqlite3'}", 5)
    observer = FlakyFlush(RevertDetector(store))
    ids = [sse_server.add_event(revision_create(11, "a")),
           sse_server.add_event(revision_create(12, "a b")),
           # A bot's revert: filtered from scoring, still seen by the detector.
           sse_server.add_event(revision_create(13, "a", bot=True))]
    checkpoint = MemoryCheckpoint()
    scored = Recorder()
    runner = make_runner(sse_server, scored, checkpoint, observer=observer)
    task = asyncio.create_task(runner.run())
    try:
        await wait_for(lambda: runner.stats.handled == 3)
        await asyncio.sleep(0.1)  # several commit intervals
        assert checkpoint.event_id is None  # outcomes not written: the position stays
        observer.down = False
        await wait_for(lambda: checkpoint.event_id == ids[-1])
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await observer.aclose()
    assert scored.scored == [11, 12]  # not the bot's
    outcome = store.outcome("enwiki", 12)
    assert (outcome.reverted, outcome.reverting_rev_id, outcome.reverted_by) == (True, 13, "Bot")


async def test_a_restarted_runner_replays_into_the_detector_once(
    sse_server: SSEServer, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'o.sqlite3'}"
    ids = [sse_server.add_event(revision_create(21 + i, text))
           for i, text in enumerate(["a", "a b", "a b c"])]
    checkpoint = MemoryCheckpoint()
    first = StreamObserver(RevertDetector(SqlOutcomeStore.from_url(url, 5)), 60)
    await run_until(make_runner(sse_server, Recorder(), checkpoint, observer=first),
                    lambda: checkpoint.event_id == ids[-1])
    await first.aclose()
    sse_server.add_event(revision_create(24, "a"))  # reverts 22 and 23, after the restart
    second = StreamObserver(RevertDetector(SqlOutcomeStore.from_url(url, 5)), 60)
    await run_until(make_runner(sse_server, Recorder(), checkpoint, observer=second),
                    lambda: second.detector.watermark is not None
                    and second.detector.watermark.second == 24)
    await second.aclose()
    store = SqlOutcomeStore.from_url(url, 5)
    assert [store.outcome("enwiki", r).reverting_rev_id for r in (22, 23)] == [24, 24]
    assert store.outcome("enwiki", 21) is None


def scored_edit(rev_id: int, origin: str) -> ScoredEdit:
    now = datetime.now(UTC)
    return ScoredEdit(
        model_name="m", model_version="1", wiki=wiki_by_dbname("enwiki"), rev_id=rev_id,
        parent_id=rev_id - 1, page_id=3, page_title="P", namespace=0, user_text="1.2.3.4",
        user_id=0, is_anonymous=True, is_temporary=False, is_bot=False, rev_timestamp=now,
        probability=0.25, prediction=False, origin=origin, scored_at=now)


def test_the_recorder_keeps_stream_scores_only(tmp_path: Path) -> None:
    store = SqlOutcomeStore.from_url(f"sqlite:///{tmp_path / 'o.sqlite3'}", 5)
    recorder = ScoreRecorder(store)
    listeners = ScoreListeners()
    recorder.attach(listeners)
    listeners.publish(scored_edit(1, "precache"))
    listeners.publish(scored_edit(2, "request"))  # a client's own request: not a stream edit
    cached = scored_edit(3, "precache")
    listeners.publish(ScoredEdit(**{**cached.__dict__, "cached": True}))
    assert recorder.wait_idle(10)
    recorder.close()
    from revertrisk_service.outcomes.records import DecisionSource, Outcome

    for rev_id in (1, 2, 3):
        store.record_outcome(Outcome("enwiki", rev_id, False, DecisionSource.WINDOW,
                                     datetime.now(UTC)))
    decided = store.decided_scores("m", "1")
    assert [(d.rev_id, d.probability, d.editor_anonymous) for d in decided] == [
        (1, 0.25, True), (3, 0.25, True)]


def test_the_recorder_queue_is_bounded_while_the_database_is_down() -> None:
    down = SqlOutcomeStore.from_url(f"postgresql://u:p@127.0.0.1:{free_port()}/x", 1)
    recorder = ScoreRecorder(down, max_queued=5, retry_max_s=0.1)
    for rev_id in range(20):
        recorder.offer(scored_edit(rev_id, "precache"))
    recorder.close(timeout_s=2)
    # One batch in hand plus five queued at most: the rest are counted, not kept.
    assert 20 - 6 <= recorder.dropped <= 20 - 5
