"""The scoring runner's pieces that need no worker processes (those run in every e2e test)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from revertrisk_service.serving.scoring_pool import (
    MAX_AUTO_WORKERS,
    ThreadScoring,
    auto_workers,
    chunks,
)


def test_a_batch_is_cut_into_contiguous_near_equal_chunks_in_order() -> None:
    items = list(range(20))
    for parts in (1, 2, 3, 7, 20, 50):
        cut = chunks(items, parts)
        assert [x for chunk in cut for x in chunk] == items
        assert len(cut) == min(parts, len(items))
        assert max(map(len, cut)) - min(map(len, cut)) <= 1
    assert chunks([], 4) == [[]]


def test_worker_count_follows_the_cpus_within_a_bound() -> None:
    assert auto_workers(1) == 1
    assert auto_workers(2) == 2
    assert auto_workers(64) == MAX_AUTO_WORKERS


class DoublingScorer:
    name = "doubling"
    version = "1"

    def score(self, facts: Sequence[float]) -> list[float]:
        return [2 * f for f in facts]


def test_thread_scoring_keeps_the_order() -> None:
    runner = ThreadScoring(2)
    try:
        result = asyncio.run(runner.score(DoublingScorer(), [0.1, 0.2, 0.3]))  # type: ignore[arg-type]
    finally:
        runner.close()
    assert result == [0.2, 0.4, 0.6]
