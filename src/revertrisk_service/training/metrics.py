"""The figures training writes into a manifest (the full evaluation lives in evaluation/)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score


def roc_auc_or_none(labels: np.ndarray, scores: np.ndarray, digits: int | None = None) -> float | None:
    """ROC AUC, or None when only one class is present (undefined)."""
    if len(np.unique(labels)) < 2:
        return None
    value = float(roc_auc_score(labels, scores))
    return value if digits is None else round(value, digits)
