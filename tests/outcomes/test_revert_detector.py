"""The live revert detector: the dataset labels' own decisions on the same history, revert
details from events, the page bound, stream-time windows, restarts and a database that is down."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dataset.scripted_history import script

from revertrisk_devtools.ports import free_port
from revertrisk_service.dataset.labels import label_page
from revertrisk_service.events import parse_time
from revertrisk_service.outcomes.detector import RevertDetector
from revertrisk_service.outcomes.event_facts import ObservedRevision, observed_revision
from revertrisk_service.outcomes.records import DecisionSource, PageRevision, RecordedScore
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def seen(rev_id: int, content: str, minutes: float, page_id: int = 1, user: str = "Ann",
         reverts: tuple[int, ...] = ()) -> ObservedRevision:
    return ObservedRevision(PageRevision("enwiki", page_id, rev_id, sha1(content),
                                         T0 + timedelta(minutes=minutes), user), reverts)


@pytest.fixture
def store(tmp_path: Path) -> SqlOutcomeStore:
    return SqlOutcomeStore.from_url(f"sqlite:///{tmp_path / 'outcomes.sqlite3'}", 5)


def scripted_stream() -> list[PageRevision]:
    """The dataset builder's scripted history (every labelling case) as stream revisions."""
    revisions, rev_id = [], 1000
    for page_id, page in enumerate(script()[0], start=1):
        for rev in page["revisions"]:
            rev_id += 1
            revisions.append(PageRevision("enwiki", page_id, rev_id, sha1(rev["content"]),
                                          parse_time(rev["timestamp"]), rev["user"]))
    return sorted(revisions, key=lambda r: (r.timestamp, r.rev_id))


@pytest.mark.parametrize("max_pages", [10_000, 1])
async def test_the_stream_gets_the_dataset_labels_decisions(
    store: SqlOutcomeStore, max_pages: int
) -> None:
    stream = scripted_stream()
    detector = RevertDetector(store, max_pages=max_pages)
    live = {}
    for revision in stream:  # pages interleaved in time order, as in the stream
        for outcome in await detector.observe(ObservedRevision(revision)):
            live[outcome.rev_id] = outcome
        await detector.flush()
    assert detector.pages_in_memory <= max_pages
    expected = {}
    for page_id in {r.page_id for r in stream}:
        history = [r for r in stream if r.page_id == page_id]
        for rev_id, label in label_page(history).labels.items():
            if label.reverted:
                expected[rev_id] = (label.reverting_rev_id, label.seconds_to_revert)
    assert expected  # the script has reverts, one of several edits at once among them
    assert {r: (o.reverting_rev_id, o.seconds_to_revert) for r, o in live.items()} == expected
    assert {o.decided_by for o in live.values()} == {DecisionSource.SHA1}
    for rev_id, outcome in live.items():
        assert store.outcome("enwiki", rev_id) == outcome


async def test_event_named_reverts_decide_a_partial_undo_and_name_their_source(
    store: SqlOutcomeStore,
) -> None:
    detector = RevertDetector(store)
    await detector.observe(seen(1, "a", 0))
    await detector.observe(seen(2, "a b", 1, user="192.0.2.1"))
    await detector.observe(seen(3, "a b c", 2))
    # Undoes 2 only: "a c" restores no earlier state, so only the event can tell.
    [partial] = await detector.observe(seen(4, "a c", 3, user="Pat", reverts=(2,)))
    assert (partial.rev_id, partial.decided_by, partial.reverted_by) == (
        2, DecisionSource.EVENT, "Pat")
    assert partial.seconds_to_revert == 120.0
    # An exact undo named by its event as well: both sources agree.
    await detector.observe(seen(5, "a c d", 4))
    [both] = await detector.observe(seen(6, "a c", 5, user="Pat", reverts=(5,)))
    assert (both.rev_id, both.decided_by) == (5, DecisionSource.SHA1_AND_EVENT)


async def test_a_named_revision_the_detector_never_saw_is_timed_from_its_score(
    store: SqlOutcomeStore,
) -> None:
    store.record_score(RecordedScore("enwiki", 77, 9, "m", "1", 0.8, True, T0, saved_at=T0))
    detector = RevertDetector(store, window=timedelta(hours=1))
    [outcome] = await detector.observe(seen(90, "x", 30, page_id=9, reverts=(77, 78)))
    assert (outcome.rev_id, outcome.seconds_to_revert) == (77, 1800.0)
    # Named two hours after the edit: outside the window, nothing is decided.
    assert await detector.observe(seen(91, "y", 150, page_id=9, reverts=(77,))) == []


async def test_windows_close_by_stream_time_and_a_restart_loses_nothing(
    store: SqlOutcomeStore, tmp_path: Path
) -> None:
    window = timedelta(minutes=10)
    for rev_id, minutes in ((2, 1), (3, 2)):
        at = T0 + timedelta(minutes=minutes)
        store.record_score(RecordedScore("enwiki", rev_id, 1, "m", "1", 0.5, False, at,
                                         saved_at=at))
    first = RevertDetector(store, window=window)
    await first.observe(seen(1, "a", 0))
    await first.observe(seen(2, "a vandal", 1))
    await first.observe(seen(3, "a vandal b", 2))
    await first.observe(seen(4, "a b", 3))  # not an identity revert
    assert await first.sweep() == 0  # the stream is at minute 3: no window has closed
    await first.flush()
    del first  # the process dies; only the database remains

    again = SqlOutcomeStore.from_url(str(store.engine.url), 5)
    second = RevertDetector(again, window=window)
    # Back to "a": reverts 2, 3 and 4 at once, with the hashes read back from the database.
    decided = await second.observe(seen(5, "a", 8, user="Rex"))
    assert sorted(o.rev_id for o in decided) == [2, 3, 4]
    await second.observe(seen(6, "a z", 20))
    assert await second.sweep() == 0  # both scored edits already have their outcome
    third = RevertDetector(SqlOutcomeStore.from_url(str(store.engine.url), 5), window=window)
    await third.observe(seen(6, "a z", 20))  # replayed: processed once only
    outcome = again.outcome("enwiki", 3)
    assert (outcome.reverted, outcome.reverting_rev_id, outcome.reverted_by) == (True, 5, "Rex")
    assert outcome.seconds_to_revert == 360.0


async def test_an_unreverted_edit_is_decided_when_its_window_closes(
    store: SqlOutcomeStore,
) -> None:
    store.record_score(RecordedScore("enwiki", 2, 1, "m", "1", 0.5, True, T0, saved_at=T0))
    detector = RevertDetector(store, window=timedelta(minutes=10))
    await detector.observe(seen(2, "a", 0))
    await detector.observe(seen(3, "a b", 9, page_id=2))
    assert await detector.sweep() == 0
    await detector.observe(seen(4, "a b c", 10, page_id=2))
    assert await detector.sweep() == 1
    outcome = store.outcome("enwiki", 2)
    assert (outcome.reverted, outcome.decided_by) == (False, DecisionSource.WINDOW)


async def test_a_database_that_is_down_keeps_a_bounded_buffer() -> None:
    down = SqlOutcomeStore.from_url(f"postgresql://u:p@127.0.0.1:{free_port()}/absent", 1)
    detector = RevertDetector(down, max_buffered=3)
    # Cold pages cannot be read back either: the detector must still not fail the stream.
    for rev_id in range(1, 6):
        await detector.observe(seen(rev_id, f"text {rev_id}", rev_id, page_id=rev_id))
    assert not await detector.flush()
    assert detector.dropped_writes == 2


def test_events_name_their_revision_hash_and_reverts() -> None:
    create = {
        "$schema": "/mediawiki/revision/create/2.0.0", "database": "enwiki", "page_id": 5,
        "rev_id": 12, "rev_parent_id": 11, "rev_sha1": "abc", "page_namespace": 0,
        "rev_timestamp": "2026-03-01T12:00:00Z", "performer": {"user_text": "Pat"},
        "rev_is_revert": True,
        "rev_revert_details": {"rev_revert_method": "undo", "rev_is_exact_revert": False,
                               "rev_reverted_revs": [11, 10], "rev_original_rev_id": 9},
    }
    observed = observed_revision(create)
    saved = PageRevision("enwiki", 5, 12, "abc", T0, "Pat")
    assert observed == ObservedRevision(saved, (11, 10))
    change = {"wiki_id": "enwiki", "page_change_kind": "edit", "page": {"page_id": 5},
              "revision": {"rev_id": 12, "rev_sha1": "abc", "rev_dt": "2026-03-01T12:00:00Z"},
              "performer": {"user_text": "Pat"}}
    assert observed_revision(change) == ObservedRevision(saved)
    assert observed_revision(change | {"page_change_kind": "move"}) is None
    assert observed_revision({**create, "rev_sha1": None}) is None
    assert observed_revision({"type": "edit", "wiki": "enwiki"}) is None
