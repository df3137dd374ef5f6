"""Observed quality: how well one model version scored the stream edits whose outcome is known.

Every figure carries the number of decided edits it stands on and a 95% confidence interval:
- AUC with DeLong's interval (the variance of the AUC's structural components, DeLong, DeLong &
  Clarke-Pearson 1988), computed with midranks so ties count one half;
- precision, recall and each calibration bucket's revert rate with Wilson score intervals.

Precision and recall are given at each caution level's threshold: the version's own threshold
from its evaluation (does "cautious" keep its precision on live edits?) and the threshold the
decided edits themselves would choose. Scores are counted on the threshold tables' 0.001 grid
(Histogram), in the database, so the figures cost the same memory for a hundred edits or a
hundred million; scores in one bin count as ties for the AUC. Pure numpy: the server computes
these on request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from revertrisk_service.outcomes.sql_store import GRID, BinCount, score_bin
from revertrisk_service.transparency.caution_levels import CAUTION_LEVELS, level_thresholds
from revertrisk_service.transparency.threshold_table import ThresholdTable, threshold_grid

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


@dataclass(frozen=True)
class Histogram:
    """Decided edits counted on the 0.001 score grid: reverted (`positives`) and kept
    (`negatives`) per bin, and the sum of the scores in each bin. Every figure is computed from
    this, so memory does not grow with the number of edits."""

    positives: np.ndarray
    negatives: np.ndarray
    score_sums: np.ndarray

    @classmethod
    def of_counts(cls, counts: Iterable[BinCount]) -> Histogram:
        positives, negatives = np.zeros(GRID + 1), np.zeros(GRID + 1)
        sums = np.zeros(GRID + 1)
        for c in counts:
            (positives if c.reverted else negatives)[c.score_bin] += c.count
            sums[c.score_bin] += c.probability_sum
        return cls(positives, negatives, sums)

    @classmethod
    def of(cls, labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray
           ) -> Histogram:
        """From labelled scores one by one (tests, small samples)."""
        bins = np.array([score_bin(float(p)) for p in scores], dtype=np.int64)
        y = np.asarray(labels, dtype=bool)
        return cls(np.bincount(bins[y], minlength=GRID + 1).astype(float),
                   np.bincount(bins[~y], minlength=GRID + 1).astype(float),
                   np.bincount(bins, weights=np.asarray(scores, dtype=float),
                               minlength=GRID + 1))

    @property
    def n(self) -> int:
        return int(self.positives.sum() + self.negatives.sum())


def auc_delong(histogram: Histogram, z: float = Z95) -> Figure:
    """ROC AUC with DeLong's interval, scores in one bin counting as ties (one half); None
    unless both reverted and kept edits are present."""
    pos, neg = histogram.positives, histogram.negatives
    m, n = pos.sum(), neg.sum()
    if m == 0 or n == 0:
        return Figure(None, histogram.n)
    negatives_below = np.cumsum(neg) - neg
    positives_above = pos[::-1].cumsum()[::-1] - pos
    v10 = (negatives_below + 0.5 * neg) / n  # per reverted edit in each bin
    v01 = (positives_above + 0.5 * pos) / m  # per kept edit in each bin
    auc = float((pos * v10).sum() / m)
    variance = 0.0
    if m > 1:
        variance += float((pos * (v10 - auc) ** 2).sum() / (m - 1)) / m
    if n > 1:
        variance += float((neg * (v01 - auc) ** 2).sum() / (n - 1)) / n
    half = z * math.sqrt(variance)
    return Figure(auc, histogram.n, max(0.0, auc - half), min(1.0, auc + half))


def precision_recall_at(histogram: Histogram, threshold: float | None) -> dict[str, Any]:
    if threshold is None:
        return {"threshold": None, "precision": Figure(None, 0).to_dict(),
                "recall": Figure(None, 0).to_dict(), "flagged": 0}
    first = score_bin(threshold)
    tp = int(histogram.positives[first:].sum())
    flagged = tp + int(histogram.negatives[first:].sum())
    return {
        "threshold": threshold,
        "precision": wilson(tp, flagged).to_dict(),
        "recall": wilson(tp, int(histogram.positives.sum())).to_dict(),
        "flagged": flagged,
    }


def observed_level_thresholds(histogram: Histogram) -> dict[str, float | None]:
    """Each caution level's threshold on the decided edits themselves."""
    tp = histogram.positives[::-1].cumsum()[::-1]
    fp = histogram.negatives[::-1].cumsum()[::-1]
    table = ThresholdTable.from_counts(
        threshold_grid(), tp, fp, histogram.negatives.sum() - fp, histogram.positives.sum() - tp
    )
    return {t.level: t.threshold for t in level_thresholds(table)}


def calibration(histogram: Histogram, buckets: int = CALIBRATION_BUCKETS) -> list[dict[str, Any]]:
    """Reliability by score bucket: the mean score and the observed revert rate in each."""
    width = GRID // buckets
    rows = []
    for bucket in range(buckets):
        # The last bucket also holds the scores of exactly 1.
        upper = (bucket + 1) * width + (1 if bucket == buckets - 1 else 0)
        inside = slice(bucket * width, upper)
        reverted = int(histogram.positives[inside].sum())
        n = reverted + int(histogram.negatives[inside].sum())
        rows.append({
            "low": bucket / buckets,
            "high": (bucket + 1) / buckets,
            "mean_score": float(histogram.score_sums[inside].sum() / n) if n else None,
            "revert_rate": wilson(reverted, n).to_dict(),
        })
    return rows


def version_quality(
    counts: Sequence[BinCount], evaluation_thresholds: Mapping[str, float | None]
) -> dict[str, Any]:
    """Every figure for one version's decided edits (as the store counts them).
    `evaluation_thresholds`: each caution level's threshold from the version's evaluation (a
    level missing there is None)."""
    histogram = Histogram.of_counts(counts)
    observed = observed_level_thresholds(histogram)
    sources: dict[str, int] = {}
    for c in counts:
        sources[str(c.decided_by)] = sources.get(str(c.decided_by), 0) + c.count
    return {
        "decided": histogram.n,
        "reverted": int(histogram.positives.sum()),
        "decided_by": dict(sorted(sources.items())),
        "auc": auc_delong(histogram).to_dict(),
        "caution_levels": [
            {
                "level": level.name,
                "min_precision": level.min_precision,
                "at_evaluation_threshold": precision_recall_at(
                    histogram, evaluation_thresholds.get(level.name)
                ),
                "at_observed_threshold": precision_recall_at(histogram, observed[level.name]),
            }
            for level in CAUTION_LEVELS
        ],
        "calibration": calibration(histogram),
    }
