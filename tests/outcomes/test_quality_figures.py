"""Observed quality's figures: AUC with DeLong's interval, Wilson intervals, caution levels and
calibration, checked against scikit-learn and published values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from revertrisk_service.outcomes.quality import (
    Histogram,
    auc_delong,
    calibration,
    version_quality,
    wilson,
)
from revertrisk_service.outcomes.records import DecisionSource
from revertrisk_service.outcomes.sql_store import BinCount, score_bin


def test_wilson_matches_the_published_interval() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857, example: 81 of 263 -> 0.2553 to 0.3662.
    figure = wilson(81, 263)
    assert (round(figure.ci_low, 4), round(figure.ci_high, 4)) == (0.2553, 0.3662)
    assert figure.n == 263
    assert wilson(0, 0).value is None


def test_auc_with_ties_matches_scikit_learn_and_its_interval_narrows_with_data() -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 400)
    scores = np.round(np.clip(labels * 0.3 + rng.random(400) * 0.7, 0, 1), 2)  # many ties
    figure = auc_delong(Histogram.of(labels, scores))
    assert figure.value == pytest.approx(roc_auc_score(labels, scores))
    assert figure.ci_low < figure.value < figure.ci_high and figure.n == 400
    small = auc_delong(Histogram.of(labels[:40], scores[:40]))
    assert small.ci_high - small.ci_low > figure.ci_high - figure.ci_low
    assert auc_delong(Histogram.of([1, 1], [0.2, 0.3])).value is None


def test_scores_between_grid_points_share_a_bin() -> None:
    # 0.1234 and 0.1236 are one bin: a tie, as the threshold tables' grid sees them.
    assert score_bin(0.1234) == score_bin(0.1236) == 123 and score_bin(0.123) == 123
    assert score_bin(1.0) == 1000 and score_bin(0.0) == 0
    figure = auc_delong(Histogram.of([1, 0], [0.1236, 0.1234]))
    assert figure.value == 0.5


def test_delong_variance_matches_a_hand_computed_case() -> None:
    # Positives 0.9, 0.6; negatives 0.7, 0.1: V10 = (1, 0.5), V01 = (0.5, 0) -> AUC 0.75,
    # variance = var(V10)/2 + var(V01)/2 = 0.125/2 + 0.125/2 = 0.125.
    figure = auc_delong(Histogram.of([1, 1, 0, 0], [0.9, 0.6, 0.7, 0.1]))
    assert figure.value == 0.75
    assert figure.ci_high == 1.0
    assert figure.ci_low == pytest.approx(0.75 - 1.959963984540054 * np.sqrt(0.125))


def test_calibration_buckets_count_every_edit_once() -> None:
    scores = np.array([0.0, 0.05, 0.1, 0.55, 0.95, 1.0])
    labels = np.array([0, 0, 1, 1, 1, 0])
    rows = calibration(Histogram.of(labels, scores))
    assert sum(r["revert_rate"]["n"] for r in rows) == 6
    assert [r["revert_rate"]["n"] for r in rows] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert rows[9]["revert_rate"]["value"] == 0.5 and rows[9]["mean_score"] == 0.975


def test_version_quality_reports_counts_sources_and_levels() -> None:
    decided = [
        (0.95, True, DecisionSource.SHA1), (0.9, True, DecisionSource.EVENT),
        (0.8, False, DecisionSource.WINDOW), (0.3, False, DecisionSource.WINDOW),
        (0.2, True, DecisionSource.SHA1_AND_EVENT), (0.1, False, DecisionSource.WINDOW),
    ]
    counts = [BinCount("enwiki", i % 2 == 0, score_bin(p), r, s, 1, p)
              for i, (p, r, s) in enumerate(decided)]
    body = version_quality(counts, {"cautious": 0.85, "loose": 0.5})
    assert (body["decided"], body["reverted"]) == (6, 3)
    assert body["decided_by"] == {"event": 1, "sha1": 1, "sha1+event": 1, "window": 3}
    assert body["auc"]["value"] == pytest.approx(roc_auc_score(
        [r for _, r, _ in decided], [p for p, _, _ in decided]))
    levels = {row["level"]: row for row in body["caution_levels"]}
    cautious = levels["cautious"]["at_evaluation_threshold"]
    assert cautious["flagged"] == 2 and cautious["precision"]["value"] == 1.0
    assert cautious["recall"] == {**cautious["recall"], "value": 2 / 3, "n": 3}
    assert levels["very-cautious"]["at_evaluation_threshold"]["threshold"] is None
    observed = levels["very-cautious"]["at_observed_threshold"]
    assert observed["precision"]["value"] == 1.0 and observed["threshold"] == 0.801
