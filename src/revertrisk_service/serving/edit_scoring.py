"""The CPU-bound work of a miss, done in ONE call: an edit's signals, then every asked model's score.

`score_edits` is the scoring processes' one entry point (serving.scoring_pool). It runs where the
models are loaded and returns only what the serving process needs: per model, each edit's
probability, and the seconds spent per stage for the stage metrics. Only the signals that the asked
models read are solved (revertrisk_service.signals), each once per edit for all of them; the values
(texts included) never leave the call, and the score listeners read the revision metadata the
serving process fetched itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.scorer import Scorer, signals_needed
from revertrisk_service.signals import SignalValues, edit_signals

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EditScores:
    """What one call sends back for its edits, in order.

    probabilities[model][i]: the probability that edit i gets reverted, or None when its facts
    or that model failed (logged where it happened; the caller answers ScoringFailed).
    """

    probabilities: dict[str, list[float | None]]
    facts_seconds: float
    inference_seconds: dict[str, float]

    @staticmethod
    def joined(parts: Sequence[EditScores]) -> EditScores:
        """The answers of consecutive chunks as one; a stage's time is the slowest chunk's, as
        the chunks run side by side."""
        names = list(parts[0].probabilities) if parts else []
        return EditScores(
            probabilities={n: [p for part in parts for p in part.probabilities[n]] for n in names},
            facts_seconds=max((p.facts_seconds for p in parts), default=0.0),
            inference_seconds={
                n: max(p.inference_seconds[n] for p in parts) for n in names
            },
        )


def _facts_or_none(context: EditContext, names: Sequence[str]) -> SignalValues | None:
    try:
        return edit_signals(context, names)
    except Exception:
        # A parser crash fails this edit only, not its batch or the process.
        log.exception(
            "could not compute the facts of %s %d", context.wiki.dbname, context.revision.rev_id
        )
        return None


def score_edits(contexts: Sequence[EditContext], scorers: Sequence[Scorer]) -> EditScores:
    """Each edit's signals, solved once for every model in `scorers`, scored by each."""
    start = time.perf_counter()
    names = signals_needed(scorers)
    facts = [_facts_or_none(c, names) for c in contexts]
    facts_seconds = time.perf_counter() - start
    known = [f for f in facts if f is not None]
    probabilities: dict[str, list[float | None]] = {}
    inference_seconds: dict[str, float] = {}
    for scorer in scorers:
        start = time.perf_counter()
        scores: list[float | None] = [None] * len(facts)
        try:
            computed = iter(scorer.score(known) if known else [])
            scores = [None if f is None else float(next(computed)) for f in facts]
        except Exception:
            log.exception("%s failed to score %d revisions", scorer.name, len(known))
        probabilities[scorer.name] = scores
        inference_seconds[scorer.name] = time.perf_counter() - start
    return EditScores(probabilities, facts_seconds, inference_seconds)
