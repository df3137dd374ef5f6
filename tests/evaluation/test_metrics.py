"""Metric functions against scikit-learn on the same inputs, and bootstrap determinism."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    precision_recall_curve,
    roc_auc_score,
)

from revertrisk_service.evaluation import metrics


@pytest.fixture(scope="module")
def sample() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    labels = (rng.random(400) < 0.15).astype(int)
    # Informative but noisy scores, with deliberate ties from rounding.
    scores = np.clip(np.round(0.3 * labels + rng.random(400) * 0.7, 2), 0, 1)
    return labels, scores


def test_auc_and_average_precision_match_sklearn(sample):
    labels, scores = sample
    assert metrics.roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))
    assert metrics.pr_auc(labels, scores) == pytest.approx(average_precision_score(labels, scores))
    assert metrics.brier_score(labels, scores) == pytest.approx(brier_score_loss(labels, scores))


def test_rank_auc_matches_sklearn_with_ties(sample):
    labels, scores = sample
    rows = metrics.rank_auc_rows(np.stack([labels, labels[::-1]]), np.stack([scores, scores[::-1]]))
    assert rows == pytest.approx([roc_auc_score(labels, scores)] * 2)


def test_rank_auc_is_nan_for_single_class_rows():
    assert np.isnan(metrics.rank_auc_rows(np.array([[1, 1, 1]]), np.array([[0.1, 0.2, 0.3]]))[0])


def test_precision_at_recall_is_best_precision_reaching_the_recall(sample):
    labels, scores = sample
    precision, recall, _ = precision_recall_curve(labels, scores)
    expected = precision[recall >= 0.75].max()
    assert metrics.precision_at_recall(labels, scores, 0.75) == pytest.approx(expected)


def test_precision_at_recall_hand_computed():
    labels = np.array([1, 1, 0, 1, 0, 0, 1, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    # Recall 3/4 is first reached at 0.6 with 3 TP, 1 FP.
    assert metrics.precision_at_recall(labels, scores, 0.75) == pytest.approx(0.75)


def test_undefined_metrics_are_none_not_errors():
    labels, scores = np.zeros(5, dtype=int), np.linspace(0, 1, 5)
    assert metrics.roc_auc(labels, scores) is None
    assert metrics.pr_auc(labels, scores) is None
    estimate = metrics.bootstrap_auc(labels, scores, seed=1)
    assert estimate.value is None and estimate.reason


def test_bootstrap_is_deterministic_and_brackets_the_point(sample):
    labels, scores = sample
    first = metrics.bootstrap_auc(labels, scores, seed=42, resamples=300)
    second = metrics.bootstrap_auc(labels, scores, seed=42, resamples=300)
    other = metrics.bootstrap_auc(labels, scores, seed=43, resamples=300)
    assert first == second
    assert first != other
    assert first.ci_low < first.value < first.ci_high


def test_bootstrap_metric_is_deterministic(sample):
    labels, scores = sample
    runs = [
        metrics.bootstrap_metric(metrics.pr_auc, labels, scores, seed=3, resamples=100)
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert runs[0].ci_low <= runs[0].value <= runs[0].ci_high


def test_confusion_counts_flag_scores_at_or_above_threshold():
    labels = np.array([1, 0, 1, 0, 1])
    scores = np.array([0.5, 0.5, 0.49, 0.1, 0.99])
    assert metrics.confusion_at(labels, scores, 0.5) == {
        "threshold": 0.5,
        "tp": 2,
        "fp": 1,
        "tn": 1,
        "fn": 1,
    }


def test_balanced_classification_uses_equal_classes_and_is_seeded(sample):
    labels, scores = sample
    result = metrics.balanced_classification(labels, scores, seed=5)
    assert result["n"] == 2 * int(labels.sum())
    assert result == metrics.balanced_classification(labels, scores, seed=5)
    idx = metrics.balanced_downsample(labels, seed=5)
    assert labels[idx].sum() * 2 == idx.size


def test_calibration_bins_and_ece_hand_computed():
    labels = np.array([0, 1, 1, 1])
    scores = np.array([0.05, 0.15, 0.95, 1.0])
    result = metrics.calibration(labels, scores, bins=10)
    bins = result["bins"]
    assert [b["count"] for b in bins] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins[9]["mean_score"] == pytest.approx(0.975)
    assert bins[2]["mean_score"] is None
    # |0-0.05| + |1-0.15| + 2*|1-0.975|, each weighted by 1/4
    assert result["expected_calibration_error"] == pytest.approx((0.05 + 0.85 + 0.05) / 4)
    assert result["brier_score"] == pytest.approx(brier_score_loss(labels, scores))


def test_per_language_skips_small_wikis_with_reasons():
    labels = np.array([1] * 5 + [0] * 5 + [1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.2] + [0.1, 0.3, 0.2, 0.4, 0.5] + [0.9, 0.1, 0.2])
    wikis = ["enwiki"] * 10 + ["frwiki"] * 3
    result = metrics.per_language_auc(labels, scores, wikis, seed=0, resamples=50)
    assert [row["wiki_db"] for row in result["languages"]] == ["enwiki"]
    assert result["languages"][0]["roc_auc"]["value"] == pytest.approx(
        roc_auc_score(labels[:10], scores[:10])
    )
    (skipped,) = result["skipped"]
    assert skipped["wiki_db"] == "frwiki" and "1 reverted < 5" in skipped["reason"]


def test_per_user_group_auc_and_disparate_impact():
    labels = np.array([1, 1, 0, 0, 1, 0, 0, 0])
    scores = np.array([0.9, 0.6, 0.7, 0.2, 0.8, 0.1, 0.3, 0.6])
    anon = np.array([True] * 4 + [False] * 4)
    result = metrics.per_user_group(labels, scores, anon, seed=0, resamples=50)
    anon_auc = roc_auc_score(labels[:4], scores[:4])
    reg_auc = roc_auc_score(labels[4:], scores[4:])
    assert result["groups"]["anonymous"]["roc_auc"]["value"] == pytest.approx(anon_auc)
    assert result["roc_auc_difference_anonymous_minus_registered"]["value"] == pytest.approx(
        anon_auc - reg_auc
    )
    # Flagged at 0.5: anonymous 3/4, registered 2/4; reverted: anonymous 2/4, registered 1/4.
    assert result["disparate_impact_predictions"]["value"] == pytest.approx(1.5)
    assert result["disparate_impact_labels"]["value"] == pytest.approx(2.0)


def test_disparate_impact_zero_denominator_is_null_with_reason():
    labels = np.array([1, 0, 0, 0])
    scores = np.array([0.9, 0.8, 0.1, 0.2])
    anon = np.array([True, True, False, False])
    result = metrics.per_user_group(labels, scores, anon, seed=0, resamples=20)
    assert result["disparate_impact_predictions"]["value"] is None
    assert "zero" in result["disparate_impact_predictions"]["reason"]
    assert result["groups"]["registered"]["roc_auc"]["value"] is None
    assert result["roc_auc_difference_anonymous_minus_registered"]["value"] is None
