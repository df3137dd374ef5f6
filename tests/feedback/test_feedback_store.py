"""The feedback store against a real SQLite file and a real PostgreSQL (started by the tests):
replacement with history, restarts, concurrent writers, and a database that goes away and comes
back under running writers."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from support.postgres import LocalPostgres

from revertrisk_service.errors import FeedbackUnavailable
from revertrisk_service.feedback.judgments import Judgment
from revertrisk_service.feedback.schema import current, judgments
from revertrisk_service.feedback.store import FeedbackStore

LA = "revertrisk-language-agnostic"


def judgment(rev_id: int, reviewer: str, verdict: str = "damaging", score: float | None = 0.9,
             wiki_db: str = "enwiki") -> Judgment:
    return Judgment(wiki_db=wiki_db, rev_id=rev_id, judgment=verdict, reviewer=reviewer,
                    tool="test-tool", judged_at=datetime.now(UTC), model_name=LA, score=score)


def row_counts(store: FeedbackStore) -> tuple[int, int]:
    with store.engine.connect() as connection:
        history = connection.execute(select(func.count()).select_from(judgments)).scalar_one()
        latest = connection.execute(select(func.count()).select_from(current)).scalar_one()
    return int(history), int(latest)



def test_second_judgment_replaces_first_and_history_keeps_both(database_url: str) -> None:
    store = FeedbackStore.from_url(database_url, 5)
    store.record(judgment(7, "Ann", "damaging"))
    store.record(judgment(7, "Ann", "ok"))
    store.record(judgment(7, "Bob", "goodfaith"))
    latest = {(r["reviewer"], r["judgment"]) for r in store.current_judgments()}
    assert latest == {("Ann", "ok"), ("Bob", "goodfaith")}
    assert [r["judgment"] for r in store.history("enwiki", 7)] == ["damaging", "ok", "goodfaith"]
    store.close()


def test_restart_keeps_everything(database_url: str) -> None:
    first = FeedbackStore.from_url(database_url, 5)
    for rev in range(1, 6):
        first.record(judgment(rev, "Ann"))
    first.record(judgment(3, "Ann", "ok"))
    before = first.current_judgments()
    first.close()
    again = FeedbackStore.from_url(database_url, 5)  # a new process's engine, migrations re-run
    assert again.current_judgments() == before
    assert row_counts(again) == (6, 5)
    again.close()


def test_observed_counts_flag_at_the_threshold(database_url: str) -> None:
    store = FeedbackStore.from_url(database_url, 5)
    store.record(judgment(1, "Ann", "damaging", 0.95))
    store.record(judgment(2, "Ann", "ok", 0.91))
    store.record(judgment(3, "Ann", "damaging", 0.40))
    store.record(judgment(4, "Ann", "damaging", 0.92, wiki_db="dewiki"))
    store.record(judgment(5, "Ann", "ok", None))
    counts = store.observed(LA, {"high precision": 0.9, "high recall": None})
    assert counts.by_judgment == {"damaging": 3, "goodfaith": 0, "ok": 2}
    assert counts.with_score == 4
    total, per_wiki = counts.flagged["high precision"]
    assert (total.n, total.damaging) == (3, 2)
    assert {w: (t.n, t.damaging) for w, t in per_wiki.items()} == {"enwiki": (2, 1),
                                                                   "dewiki": (1, 1)}
    assert "high recall" not in counts.flagged
    assert store.observed("another-model", {"high precision": 0.9}).by_judgment["damaging"] == 0
    store.close()


def _writers(store: FeedbackStore, writers: int, per_writer: int,
             acknowledged: list[list[int]], refusals: list[int]) -> list[threading.Thread]:
    """Each writer sends its judgments in order, retrying one until it is acknowledged (as a
    client that got a 503 would). Half the revisions are shared, so upserts collide."""

    def write(index: int) -> None:
        for n in range(per_writer):
            shared = n % 2 == 1
            rev_id = n if shared else 100_000 * (index + 1) + n
            reviewer = "shared" if shared else f"writer-{index}"
            while True:
                try:
                    acknowledged[index].append(store.record(judgment(rev_id, reviewer)))
                    break
                except FeedbackUnavailable:
                    refusals[index] += 1
                    time.sleep(0.05)

    return [threading.Thread(target=write, args=(i,)) for i in range(writers)]


def expected_current(writers: int, per_writer: int) -> int:
    """Current rows after _writers: the shared (odd) revisions once, the own ones per writer."""
    return per_writer // 2 + writers * (per_writer - per_writer // 2)


@pytest.mark.e2e  # 1,600 commits: about 15 s on each backend
def test_eight_concurrent_writers_lose_nothing(database_url: str) -> None:
    writers, per_writer = 8, 200
    store = FeedbackStore.from_url(database_url, 30)
    acknowledged: list[list[int]] = [[] for _ in range(writers)]
    refusals = [0] * writers
    threads = _writers(store, writers, per_writer, acknowledged, refusals)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [i for ids in acknowledged for i in ids]
    assert len(ids) == len(set(ids)) == writers * per_writer
    assert row_counts(store) == (writers * per_writer, expected_current(writers, per_writer))
    assert sum(refusals) == 0
    store.close()


@pytest.mark.e2e
def test_postgres_restart_mid_run_refuses_then_recovers(postgres_server: LocalPostgres) -> None:
    store = FeedbackStore.from_url(postgres_server.url, 3)
    store.record(judgment(1, "before"))
    writers, per_writer = 4, 60
    acknowledged: list[list[int]] = [[] for _ in range(writers)]
    refusals = [0] * writers
    threads = _writers(store, writers, per_writer, acknowledged, refusals)
    for thread in threads:
        thread.start()
    while sum(len(a) for a in acknowledged) < 20:
        time.sleep(0.01)
    postgres_server.stop("fast")
    time.sleep(1.0)  # writers meet a database that is gone
    postgres_server.start()
    for thread in threads:
        thread.join()
    assert sum(refusals) > 0, "the writers never saw the database down"
    ids = [i for ids in acknowledged for i in ids]
    with store.engine.connect() as connection:
        stored = set(connection.execute(select(judgments.c.id)).scalars())
    # Every acknowledged judgment is there; a commit cut off mid-way left nothing behind except
    # possibly a row whose acknowledgement was lost, which the retry then wrote again.
    assert set(ids) <= stored
    assert len(stored) - 1 - len(ids) <= sum(refusals)
    assert row_counts(store)[1] == 1 + expected_current(writers, per_writer)
    store.close()


def test_database_down_answers_unavailable_and_writes_nothing(
    postgres_server: LocalPostgres,
) -> None:
    store = FeedbackStore.from_url(postgres_server.url, 2)
    store.record(judgment(1, "Ann"))
    before = row_counts(store)
    postgres_server.stop("fast")
    try:
        with pytest.raises(FeedbackUnavailable):
            store.record(judgment(2, "Ann"))
        with pytest.raises(FeedbackUnavailable):
            store.observed(LA, {"high precision": 0.5})
    finally:
        postgres_server.start()
    assert row_counts(store) == before  # nothing half-written, and the same store recovers
    store.record(judgment(2, "Ann"))
    assert row_counts(store) == (before[0] + 1, before[1] + 1)
    store.close()
