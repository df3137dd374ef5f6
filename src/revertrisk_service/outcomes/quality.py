"""Observed quality: how well one model version scored the stream edits whose outcome is known.

Every figure carries the number of decided edits it stands on and a 95% confidence interval:
- AUC with DeLong's interval (the variance of the AUC's structural components, DeLong, DeLong &
  Clarke-Pearson 1988), computed with midranks so ties count one half;
- precision, recall and each calibration bucket's revert rate with Wilson score intervals.

Precision and recall are given at each caution level's threshold: the version's own threshold
from its evaluation (does "cautious" keep its precision on live edits?) and the threshold the
decided edits themselves would choose. Pure numpy: the server computes these on request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from revertrisk_service.outcomes.records import DecidedScore
from revertrisk_service.transparency.caution_levels import (
    CAUTION_LEVELS,
    level_thresholds_from_scores,
)

Z95 = 1.959963984540054
CALIBRATION_BUCKETS = 10
AUC_INTERVAL = "DeLong"
PROPORTION_INTERVAL = "Wilson"


@dataclass(frozen=True)
class Figure:
    """A figure, the decided edits it stands on, and its 95% interval (None when undefined)."""

    value: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "n": self.n, "ci_low": self.ci_low, "ci_high": self.ci_high}


def wilson(successes: int, n: int, z: float = Z95) -> Figure:
    """A proportion with its Wilson score interval; None when there is nothing to divide."""
    if n == 0:
        return Figure(None, 0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Figure(p, n, max(0.0, centre - half), min(1.0, centre + half))


def _midranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    _, starts, counts = np.unique(values[order], return_index=True, return_counts=True)
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(starts + (counts + 1) / 2.0, counts)
    return ranks


def auc_delong(labels: np.ndarray, scores: np.ndarray, z: float = Z95) -> Figure:
    """ROC AUC with DeLong's interval; None unless both reverted and kept edits are present."""
    positives, negatives = scores[labels == 1], scores[labels == 0]
    m, n = positives.size, negatives.size
    if m == 0 or n == 0:
        return Figure(None, int(labels.size))
    all_ranks = _midranks(np.concatenate([positives, negatives]))
    v10 = (all_ranks[:m] - _midranks(positives)) / n  # per reverted edit: share ranked below it
    v01 = 1.0 - (all_ranks[m:] - _midranks(negatives)) / m  # per kept edit: share ranked above
    auc = float(v10.mean())
    variance = (v10.var(ddof=1) / m if m > 1 else 0.0) + (v01.var(ddof=1) / n if n > 1 else 0.0)
    half = z * math.sqrt(variance)
    return Figure(auc, m + n, max(0.0, auc - half), min(1.0, auc + half))


def precision_recall_at(
    labels: np.ndarray, scores: np.ndarray, threshold: float | None
) -> dict[str, Any]:
    if threshold is None:
        return {"threshold": None, "precision": Figure(None, 0).to_dict(),
                "recall": Figure(None, 0).to_dict(), "flagged": 0}
    flagged = scores >= threshold
    tp = int((flagged & (labels == 1)).sum())
    return {
        "threshold": threshold,
        "precision": wilson(tp, int(flagged.sum())).to_dict(),
        "recall": wilson(tp, int((labels == 1).sum())).to_dict(),
        "flagged": int(flagged.sum()),
    }


def calibration(
    labels: np.ndarray, scores: np.ndarray, buckets: int = CALIBRATION_BUCKETS
) -> list[dict[str, Any]]:
    """Reliability by score bucket: the mean score and the observed revert rate in each."""
    edges = np.linspace(0.0, 1.0, buckets + 1)
    index = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, buckets - 1)
    rows = []
    for bucket in range(buckets):
        inside = index == bucket
        n = int(inside.sum())
        rows.append({
            "low": float(edges[bucket]),
            "high": float(edges[bucket + 1]),
            "mean_score": float(scores[inside].mean()) if n else None,
            "revert_rate": wilson(int(labels[inside].sum()), n).to_dict(),
        })
    return rows


def version_quality(
    decided: Sequence[DecidedScore], evaluation_thresholds: Mapping[str, float | None]
) -> dict[str, Any]:
    """Every figure for one version's decided edits. `evaluation_thresholds`: each caution
    level's threshold from the version's evaluation (a level missing there is None)."""
    labels = np.fromiter((d.reverted for d in decided), dtype=np.int64, count=len(decided))
    scores = np.fromiter((d.probability for d in decided), dtype=np.float64, count=len(decided))
    observed = {t.level: t.threshold for t in level_thresholds_from_scores(labels, scores)}
    sources: dict[str, int] = {}
    for d in decided:
        sources[str(d.decided_by)] = sources.get(str(d.decided_by), 0) + 1
    return {
        "decided": len(decided),
        "reverted": int(labels.sum()),
        "decided_by": dict(sorted(sources.items())),
        "auc": auc_delong(labels, scores).to_dict(),
        "caution_levels": [
            {
                "level": level.name,
                "min_precision": level.min_precision,
                "at_evaluation_threshold": precision_recall_at(
                    labels, scores, evaluation_thresholds.get(level.name)
                ),
                "at_observed_threshold": precision_recall_at(labels, scores,
                                                             observed[level.name]),
            }
            for level in CAUTION_LEVELS
        ],
        "calibration": calibration(labels, scores),
    }
