"""Leak-free train/test splits: every edit of one page falls on the same side."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

SPLIT_METHOD = (
    "StratifiedGroupKFold(n_splits={n_splits}, shuffle=True, random_state={seed}), fold 0 held out; "
    "groups are (wiki_db, page_title) so no page has edits on both sides; stratified on the label."
)


def grouped_holdout(
    labels: Sequence[int], groups: Sequence[str], *, n_splits: int = 4, seed: int = 42
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and the held-out rows (about 1/n_splits held out)."""
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    train, test = next(splitter.split(np.zeros(len(labels)), np.asarray(labels), np.asarray(groups)))
    return train, test


def describe_split(*, n_splits: int = 4, seed: int = 42) -> str:
    return SPLIT_METHOD.format(n_splits=n_splits, seed=seed)
