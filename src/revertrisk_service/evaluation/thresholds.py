"""Computing and saving threshold tables from held-out predictions (offline; the table itself and
its loading live in transparency.threshold_table, which the server reads)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from revertrisk_service.evaluation.metrics import as_arrays
from revertrisk_service.training.artifacts import THRESHOLDS_FILENAME
from revertrisk_service.transparency.threshold_table import ThresholdTable

STEP = 0.001


def threshold_grid(step: float = STEP) -> np.ndarray:
    steps = round(1 / step)
    # Rounding gives the double nearest each decimal, so 0.5 in the grid is exactly 0.5.
    return np.round(np.arange(steps + 1) * step, 6)


def compute_threshold_table(labels: Any, scores: Any, step: float = STEP) -> ThresholdTable:
    """Confusion counts at every grid threshold, via binary search on the sorted scores."""
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


def save_threshold_table(table: ThresholdTable, model_dir: Path) -> Path:
    path = Path(model_dir) / THRESHOLDS_FILENAME
    path.write_text(
        json.dumps(table.to_json_dict(), separators=(",", ":")) + "\n", encoding="utf-8"
    )
    return path
