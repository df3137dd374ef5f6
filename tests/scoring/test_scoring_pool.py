"""The scoring runner's pieces that need no worker processes (those run in every e2e test)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from support.contexts import context

from revertrisk_service.scoring.scoring_pool import (
    MAX_AUTO_WORKERS,
    ThreadScoring,
    auto_workers,
    chunks,
)
from revertrisk_service.signals import SignalValues


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


class LengthScorer:
    """Scores an edit by its new text's length: what comes back must follow the edits' order."""

    name = "length"
    version = "1"
    signal_names = ("current_wikitext_chars",)

    def score(self, facts: Sequence[SignalValues]) -> list[float]:
        return [f["current_wikitext_chars"] / 1000 for f in facts]


def test_thread_scoring_keeps_the_order() -> None:
    runner = ThreadScoring(2)
    edits = [context(rev_id, "x" * length) for rev_id, length in ((1, 300), (2, 100), (3, 200))]
    try:
        result = asyncio.run(runner.score_edits(edits, [LengthScorer()]))  # type: ignore[list-item]
    finally:
        runner.close()
    assert result.probabilities == {"length": [0.3, 0.1, 0.2]}
    assert (runner.counted.calls, runner.counted.edits) == (1, 3)
