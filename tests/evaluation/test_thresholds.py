"""The 1001-row threshold table: counts, derived statistics and the JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score

from revertrisk_service.evaluation.thresholds import (
    compute_threshold_table,
    save_threshold_table,
    threshold_grid,
)
from revertrisk_service.transparency.threshold_table import ThresholdTable, load_threshold_table

LABELS = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0])
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])


def test_grid_has_1001_exact_steps():
    grid = threshold_grid()
    assert grid.size == 1001
    assert grid[0] == 0.0 and grid[500] == 0.5 and grid[-1] == 1.0


@pytest.mark.parametrize("threshold_index", [0, 1, 250, 500, 600, 601, 899, 900, 901, 1000])
def test_rows_match_sklearn(threshold_index):
    table = compute_threshold_table(LABELS, SCORES)
    row = table.row(threshold_index)
    predicted = (SCORES >= row["threshold"]).astype(int)
    tn, fp, fn, tp = confusion_matrix(LABELS, predicted, labels=[0, 1]).ravel()
    assert (row["tp"], row["fp"], row["tn"], row["fn"]) == (tp, fp, tn, fn)
    assert row["recall"] == pytest.approx(recall_score(LABELS, predicted))
    assert row["match_rate"] == pytest.approx(predicted.mean())
    assert row["filter_rate"] == pytest.approx(1 - predicted.mean())
    assert row["fpr"] == pytest.approx(fp / (fp + tn))
    if predicted.any():
        assert row["precision"] == pytest.approx(precision_score(LABELS, predicted))
        assert row["f1"] == pytest.approx(f1_score(LABELS, predicted))
    else:
        assert row["precision"] is None and row["f1"] is None


def test_score_equal_to_threshold_is_flagged():
    table = compute_threshold_table([1, 0], [0.5, 0.499])
    assert table.row(500)["tp"] == 1 and table.row(500)["fp"] == 0
    assert table.row(499)["fp"] == 1


def test_undefined_statistics_are_none():
    table = compute_threshold_table([0, 0, 0], [0.1, 0.2, 0.3])
    row = table.row(0)
    assert row["recall"] is None and row["f1"] is None and row["precision"] == 0.0


def test_json_round_trip_keeps_exact_counts(tmp_path):
    rng = np.random.default_rng(1)
    labels = (rng.random(300) < 0.2).astype(int)
    scores = rng.random(300)
    table = compute_threshold_table(labels, scores)
    path = save_threshold_table(table, tmp_path)
    body = json.loads(path.read_text())
    assert len(body["columns"]["threshold"]) == 1001
    assert body["n"] == 300 and body["positives"] == labels.sum()
    loaded = load_threshold_table(path)
    for column in ("thresholds", "tp", "fp", "tn", "fn"):
        assert np.array_equal(getattr(loaded, column), getattr(table, column))
    assert loaded.row(333) == table.row(333)


def test_loading_something_else_fails_clearly():
    with pytest.raises(ValueError, match="not a threshold table"):
        ThresholdTable.from_json_dict({"columns": {}})
