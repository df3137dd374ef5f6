"""Threshold statistics: how a model behaves at every cut-off from 0.000 to 1.000.

An edit counts as flagged when its score is >= the threshold. The table is stored as confusion
counts per threshold (exact integers) plus the derived statistics rounded for readers; loading
recomputes the statistics from the counts so threshold queries work on exact values.

Statistics that divide by zero are None (JSON null): precision when nothing is flagged, recall
when the sample has no reverted edit, fpr when it has no non-reverted edit, f1 when precision or
recall is undefined or both are zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from revertrisk_service.locations import THRESHOLDS_FILENAME

STATS = ("precision", "recall", "filter_rate", "match_rate", "fpr", "f1")
COUNTS = ("tp", "fp", "tn", "fn")
_FORMAT = "revertrisk-thresholds/1"

STEP = 0.001

__all__ = [
    "COUNTS",
    "STATS",
    "STEP",
    "THRESHOLDS_FILENAME",
    "ThresholdTable",
    "compute_threshold_table",
    "load_threshold_table",
    "threshold_grid",
]


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise division with NaN where the denominator is zero."""
    out = np.full(numerator.shape, np.nan, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


@dataclass(frozen=True)
class ThresholdTable:
    """Column arrays aligned on `thresholds`; undefined statistics are NaN in memory."""

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    tn: np.ndarray
    fn: np.ndarray

    @classmethod
    def from_counts(cls, thresholds: Any, tp: Any, fp: Any, tn: Any, fn: Any) -> ThresholdTable:
        return cls(
            *(
                np.asarray(a, dtype=dtype)
                for a, dtype in (
                    (thresholds, np.float64),
                    (tp, np.int64),
                    (fp, np.int64),
                    (tn, np.int64),
                    (fn, np.int64),
                )
            )
        )

    def __len__(self) -> int:
        return int(self.thresholds.size)

    @property
    def n(self) -> int:
        return int(self.tp[0] + self.fp[0] + self.tn[0] + self.fn[0]) if len(self) else 0

    def stat(self, name: str) -> np.ndarray:
        tp, fp, tn, fn = (c.astype(np.float64) for c in (self.tp, self.fp, self.tn, self.fn))
        flagged = tp + fp
        total = tp + fp + tn + fn
        if name == "precision":
            return _divide(tp, flagged)
        if name == "recall":
            return _divide(tp, tp + fn)
        if name == "match_rate":
            return _divide(flagged, total)
        if name == "filter_rate":
            return 1.0 - _divide(flagged, total)
        if name == "fpr":
            return _divide(fp, fp + tn)
        if name == "f1":
            precision, recall = self.stat("precision"), self.stat("recall")
            f1 = _divide(2 * precision * recall, precision + recall)
            return np.where(np.isnan(precision) | np.isnan(recall), np.nan, f1)
        raise KeyError(f"unknown statistic {name!r}; known: {', '.join(STATS)}")

    def row(self, index: int) -> dict[str, Any]:
        """Every statistic and count at one threshold, JSON-ready (None for undefined)."""
        body: dict[str, Any] = {"threshold": float(self.thresholds[index])}
        for name in STATS:
            value = float(self.stat(name)[index])
            body[name] = None if np.isnan(value) else value
        for name in COUNTS:
            body[name] = int(getattr(self, name)[index])
        return body

    def to_json_dict(self, digits: int = 6) -> dict[str, Any]:
        """A compact columnar form: counts are exact, statistics rounded, None for undefined."""
        columns: dict[str, Any] = {"threshold": [round(float(t), 6) for t in self.thresholds]}
        for name in STATS:
            columns[name] = [
                None if np.isnan(v) else round(float(v), digits) for v in self.stat(name)
            ]
        for name in COUNTS:
            columns[name] = [int(v) for v in getattr(self, name)]
        return {
            "format": _FORMAT,
            "flagged_when": "score >= threshold",
            "n": self.n,
            "positives": int(self.tp[0] + self.fn[0]) if len(self) else 0,
            "columns": columns,
        }

    @classmethod
    def from_json_dict(cls, body: dict[str, Any]) -> ThresholdTable:
        if body.get("format") != _FORMAT:
            raise ValueError(
                f"not a threshold table (format {body.get('format')!r}, expected {_FORMAT!r})"
            )
        columns = body["columns"]
        return cls.from_counts(columns["threshold"], *(columns[c] for c in COUNTS))


def load_threshold_table(path: Path) -> ThresholdTable:
    return ThresholdTable.from_json_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def as_arrays(labels: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    """Labels (0 or 1) and scores as equally long 1-D arrays; ValueError otherwise."""
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(
            f"labels and scores must be 1-D and equally long, got {y.shape} and {s.shape}"
        )
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    return y, s


def threshold_grid(step: float = STEP) -> np.ndarray:
    steps = round(1 / step)
    # Rounding gives the double nearest each decimal, so 0.5 in the grid is exactly 0.5.
    return np.round(np.arange(steps + 1) * step, 6)


def compute_threshold_table(labels: Any, scores: Any, step: float = STEP) -> ThresholdTable:
    """Confusion counts at every grid threshold, via binary search on the sorted scores.

    Here, beside the table, rather than with the offline evaluation: the server computes tables
    from observed outcomes too, and must not import the evaluation's statistics libraries.
    """
    y, s = as_arrays(labels, scores)
    grid = threshold_grid(step)
    positive_scores = np.sort(s[y == 1])
    negative_scores = np.sort(s[y == 0])
    # Scores strictly below the threshold are not flagged: searchsorted(side="left") counts them.
    tp = positive_scores.size - np.searchsorted(positive_scores, grid, side="left")
    fp = negative_scores.size - np.searchsorted(negative_scores, grid, side="left")
    return ThresholdTable.from_counts(
        grid, tp, fp, negative_scores.size - fp, positive_scores.size - tp
    )
