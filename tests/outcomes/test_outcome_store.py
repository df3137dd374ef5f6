"""The outcome store against a real SQLite file and a real PostgreSQL: scores per version,
outcomes decided once, windows closed, and everything kept across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from revertrisk_devtools.ports import free_port
from revertrisk_service.errors import OutcomesUnavailable
from revertrisk_service.outcomes.records import (
    DecisionSource,
    Outcome,
    PageRevision,
    RecordedScore,
)
from revertrisk_service.outcomes.sql_store import SqlOutcomeStore

LA = "revertrisk-language-agnostic"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def score(rev_id: int, version: str = "1", p: float = 0.5, *, anonymous: bool = False,
          wiki_db: str = "enwiki", minutes: int = 0, shadow: bool = False) -> RecordedScore:
    at = T0 + timedelta(minutes=minutes)
    return RecordedScore(wiki_db=wiki_db, rev_id=rev_id, page_id=7, model_name=LA,
                         model_version=version, probability=p, editor_anonymous=anonymous,
                         scored_at=at, shadow=shadow, saved_at=at)


def reverted(rev_id: int, by: int, wiki_db: str = "enwiki",
             source: DecisionSource = DecisionSource.SHA1) -> Outcome:
    return Outcome(wiki_db=wiki_db, rev_id=rev_id, reverted=True, decided_by=source,
                   decided_at=T0 + timedelta(hours=1), reverting_rev_id=by, reverted_by="Carol",
                   seconds_to_revert=60.0)



def test_scores_of_each_version_share_the_edit_outcome(database_url: str) -> None:
    store = SqlOutcomeStore.from_url(database_url, 5)
    store.record_scores([score(1, "1", 0.9, anonymous=True), score(2, "1", 0.2),
                         score(3, "1", 0.4, wiki_db="dewiki")])
    store.record_score(score(1, "2", 0.7, shadow=True, minutes=1))
    assert store.record_outcome(reverted(1, by=5))
    # The first decision stands: a second one for the same edit is refused.
    assert not store.record_outcome(reverted(1, by=6, source=DecisionSource.EVENT))
    assert store.outcome("enwiki", 1).reverting_rev_id == 5
    assert store.decided_scores(LA, "1") == store.decided_scores(LA, "1", wiki_db="enwiki")
    [one] = store.decided_scores(LA, "1")
    assert (one.rev_id, one.probability, one.reverted, one.editor_anonymous, one.decided_by) == (
        1, 0.9, True, True, DecisionSource.SHA1)
    [shadowed] = store.decided_scores(LA, "2")
    assert shadowed.probability == 0.7
    assert store.versions(LA) == ["1", "2"]

    # The windows of edits 2 and 3 close: not reverted; edit 1 keeps its revert.
    assert store.close_windows(T0 + timedelta(seconds=30), T0 + timedelta(days=2)) == 2
    assert store.close_windows(T0 + timedelta(days=1), T0 + timedelta(days=2)) == 0
    decided = store.decided_scores(LA, "1")
    assert [(d.wiki_db, d.rev_id, d.reverted, d.decided_by) for d in decided] == [
        ("dewiki", 3, False, DecisionSource.WINDOW),
        ("enwiki", 1, True, DecisionSource.SHA1),
        ("enwiki", 2, False, DecisionSource.WINDOW),
    ]
    assert [d.rev_id for d in store.decided_scores(LA, "1", editor_anonymous=False)] == [3, 2]
    assert store.decided_scores(LA, "1", since=T0 + timedelta(minutes=1)) == []
    assert len(store.decided_scores(LA, "1", until=T0 + timedelta(minutes=1))) == 3
    store.close()

    # A restart (a new engine on the same database) finds everything decided.
    again = SqlOutcomeStore.from_url(database_url, 5)
    assert again.decided_scores(LA, "1") == decided
    again.close()


def test_remembered_revisions_come_back_in_save_order(database_url: str) -> None:
    store = SqlOutcomeStore.from_url(database_url, 5)
    revisions = [PageRevision("enwiki", 7, 100 + i, f"sha{i % 2}", T0 + timedelta(minutes=i), "A")
                 for i in range(5)]
    store.remember_revisions(revisions[::-1])
    store.remember_revisions(revisions[:2])  # replayed: kept once
    assert store.page_history("enwiki", 7, limit=3) == revisions[2:]
    assert store.saved_times("enwiki", [101, 999]) == {101: revisions[1].timestamp}
    assert store.forget_revisions_before(T0 + timedelta(minutes=3)) == 3
    assert store.page_history("enwiki", 7, limit=10) == revisions[3:]
    store.close()


def test_a_database_that_is_down_answers_unavailable() -> None:
    # Nothing listens on this port: every call fails at once, in one catalogued error.
    store = SqlOutcomeStore.from_url(f"postgresql://u:p@127.0.0.1:{free_port()}/absent", 1)
    with pytest.raises(OutcomesUnavailable, match="unavailable"):
        store.decided_scores(LA, "1")
    with pytest.raises(OutcomesUnavailable):
        store.record_score(score(1))
