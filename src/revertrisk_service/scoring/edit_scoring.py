"""The CPU-bound work of a miss, done in ONE call: an edit's signals, then every asked model's score.

`score_edits` is the scoring processes' one entry point (scoring.scoring_pool). It runs where the
models are loaded and returns only what the serving process needs: per model, each edit's
probability, and the seconds spent per stage for the stage metrics. With `explain`, the same call
also returns each score's explanation (the feature values exist only here) and each edit's diff
for the patrol page (explanations.notes), so that an explained miss is still one trip. Only the signals that the asked
models read are solved (revertrisk_service.signals), each once per edit for all of them; the values
(texts included) never leave the call, and the score listeners read the revision metadata the
serving process fetched itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from revertrisk_service.explanations.notes import DIFF_SIGNAL, EditDiff, edit_diff
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
    # Only when asked to explain: per model, each score's explanation in stored form
    # (explanations.shaping), None where the probability is None; and each edit's diff.
    explanations: dict[str, list[dict[str, Any] | None]] | None = None
    diffs: list[EditDiff | None] | None = None

    @staticmethod
    def joined(parts: Sequence[EditScores]) -> EditScores:
        """The answers of consecutive chunks as one; a stage's time is the slowest chunk's, as
        the chunks run side by side."""
        names = list(parts[0].probabilities) if parts else []
        explained = bool(parts) and all(p.explanations is not None for p in parts)
        return EditScores(
            probabilities={n: [p for part in parts for p in part.probabilities[n]] for n in names},
            facts_seconds=max((p.facts_seconds for p in parts), default=0.0),
            inference_seconds={
                n: max(p.inference_seconds[n] for p in parts) for n in names
            },
            explanations={
                n: [e for part in parts for e in (part.explanations or {})[n]] for n in names
            }
            if explained
            else None,
            diffs=[d for part in parts for d in part.diffs or []] if explained else None,
        )


def _signals_or_none(context: EditContext, names: Sequence[str]) -> SignalValues | None:
    try:
        return edit_signals(context, names)
    except Exception:
        # A parser crash fails this edit only, not its batch or the process.
        log.exception(
            "could not solve the signals of %s %d", context.wiki.dbname, context.revision.rev_id
        )
        return None


def score_edits(
    contexts: Sequence[EditContext], scorers: Sequence[Scorer], explain: bool = False
) -> EditScores:
    """Each edit's signals, solved once for every model in `scorers`, scored by each; with
    `explain`, each score explained (`Scorer.explain`, the same probability) and each edit's diff."""
    start = time.perf_counter()
    names = signals_needed(scorers)
    if explain:
        names = tuple(dict.fromkeys((*names, DIFF_SIGNAL)))
    facts = [_signals_or_none(c, names) for c in contexts]
    facts_seconds = time.perf_counter() - start
    known = [f for f in facts if f is not None]
    probabilities: dict[str, list[float | None]] = {}
    explanations: dict[str, list[dict[str, Any] | None]] = {}
    inference_seconds: dict[str, float] = {}
    for scorer in scorers:
        start = time.perf_counter()
        scores: list[float | None] = [None] * len(facts)
        explained: list[dict[str, Any] | None] = [None] * len(facts)
        try:
            if explain:
                computed = iter(scorer.explain(known) if known else [])
                pairs = [None if f is None else next(computed) for f in facts]
                scores = [None if e is None else float(e.probability) for e in pairs]
                explained = [None if e is None else e.explanation for e in pairs]
            else:
                plain = iter(scorer.score(known) if known else [])
                scores = [None if f is None else float(next(plain)) for f in facts]
        except Exception:
            log.exception("%s failed to score %d revisions", scorer.name, len(known))
        probabilities[scorer.name] = scores
        explanations[scorer.name] = explained
        inference_seconds[scorer.name] = time.perf_counter() - start
    if not explain:
        return EditScores(probabilities, facts_seconds, inference_seconds)
    diffs = [None if f is None else edit_diff(f[DIFF_SIGNAL]) for f in facts]
    return EditScores(probabilities, facts_seconds, inference_seconds, explanations, diffs)
