"""Evaluation metrics for a binary revert classifier, with bootstrap confidence intervals.

The held-out samples this project can evaluate on are small (hundreds of rows, a few dozen
reverts), so every headline figure comes with a seeded percentile-bootstrap interval. Figures
that cannot be computed (one class missing, zero denominators) are reported as None with a reason
instead of raising, because a report with a hole is more useful than no report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    precision_recall_curve,
    roc_auc_score,
)

DEFAULT_THRESHOLD = 0.5
DEFAULT_RESAMPLES = 1000
DEFAULT_CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A point figure with its bootstrap interval; bounds are None when no resample was usable."""

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body = asdict(self)
        if body["reason"] is None:
            del body["reason"]
        return body


def has_both_classes(labels: np.ndarray) -> bool:
    return bool(labels.size) and 0 < int(labels.sum()) < labels.size


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    return float(roc_auc_score(labels, scores)) if has_both_classes(labels) else None


def pr_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Average precision, the step-wise area under the precision-recall curve."""
    return float(average_precision_score(labels, scores)) if has_both_classes(labels) else None


def precision_at_recall(
    labels: np.ndarray, scores: np.ndarray, min_recall: float = 0.75
) -> float | None:
    """The best precision among all score cut-offs whose recall reaches `min_recall`."""
    if not has_both_classes(labels):
        return None
    precision, recall, _ = precision_recall_curve(labels, scores)
    eligible = recall >= min_recall
    return float(precision[eligible].max()) if eligible.any() else None


def brier_score(labels: np.ndarray, scores: np.ndarray) -> float | None:
    return float(brier_score_loss(labels, scores)) if labels.size else None


def rank_auc_rows(labels: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC AUC for each row of a (resamples, n) matrix pair, via the Mann-Whitney rank statistic.

    Identical to roc_auc_score (ties get average ranks) but vectorised over resamples, which keeps
    a 1000-resample bootstrap of every per-language AUC cheap. Rows with one class give NaN.
    """
    labels = np.atleast_2d(labels)
    scores = np.atleast_2d(scores)
    ranks = rankdata(scores, axis=1)
    positives = labels.sum(axis=1).astype(np.float64)
    negatives = labels.shape[1] - positives
    positive_rank_sum = (ranks * labels).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        auc = (positive_rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
    auc[(positives == 0) | (negatives == 0)] = np.nan
    return auc


def bootstrap_indices(n: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def _interval(samples: np.ndarray, confidence: float) -> tuple[float | None, float | None]:
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return None, None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_metric(
    metric: Callable[[np.ndarray, np.ndarray], float | None],
    labels: np.ndarray,
    scores: np.ndarray,
    *,
    seed: int,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    every_resample: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    undefined: str = "undefined on this sample (a class is missing)",
) -> Estimate:
    """Any metric with a percentile interval; resamples where it is undefined are dropped.

    `every_resample`, where the metric has one, computes it for all resamples at once from their
    (resamples, n) matrices instead of one call each; `undefined` is the reason given when the
    metric is undefined on the whole sample."""
    point = metric(labels, scores)
    if point is None:
        return Estimate(None, reason=undefined)
    idx = bootstrap_indices(labels.size, resamples, seed)
    if every_resample is not None:
        values = every_resample(labels[idx], scores[idx])
    else:
        values = np.array(
            [np.nan if (v := metric(labels[row], scores[row])) is None else v for row in idx],
            dtype=np.float64,
        )
    low, high = _interval(values, confidence)
    return Estimate(point, low, high)


# The AUC of every resample comes from one rank pass.
bootstrap_auc = partial(
    bootstrap_metric,
    roc_auc,
    every_resample=rank_auc_rows,
    undefined="needs both reverted and non-reverted edits",
)


def confusion_at(
    labels: np.ndarray, scores: np.ndarray, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, int]:
    """Counts with an edit flagged when its score is >= threshold (the same rule as the threshold table)."""
    predicted = (scores >= threshold).astype(np.int64)
    tn, fp, fn, tp = confusion_matrix(labels, predicted, labels=[0, 1]).ravel()
    return {"threshold": threshold, "tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn)}


def balanced_downsample(labels: np.ndarray, seed: int) -> np.ndarray:
    """Indices keeping every minority-class row and an equal seeded sample of the majority class."""
    rng = np.random.default_rng(seed)
    positives = np.flatnonzero(labels == 1)
    negatives = np.flatnonzero(labels == 0)
    minority, majority = sorted((positives, negatives), key=len)
    kept = rng.choice(majority, size=minority.size, replace=False)
    return np.sort(np.concatenate([minority, kept]))


def balanced_classification(
    labels: np.ndarray, scores: np.ndarray, *, seed: int, threshold: float = DEFAULT_THRESHOLD
) -> dict[str, Any]:
    """F1 and accuracy at a threshold on a class-balanced subsample.

    Revert rates are low (about 8% in the multilingual sample), so accuracy on the raw sample
    mostly measures the base rate; balancing makes it comparable with the published model cards.
    """
    if not has_both_classes(labels):
        return {
            "threshold": threshold,
            "n": 0,
            "f1": None,
            "accuracy": None,
            "reason": "needs both reverted and non-reverted edits",
        }
    idx = balanced_downsample(labels, seed)
    y, predicted = labels[idx], (scores[idx] >= threshold).astype(np.int64)
    return {
        "threshold": threshold,
        "n": int(idx.size),
        "seed": seed,
        "f1": float(f1_score(y, predicted, zero_division=0)),
        "accuracy": float(accuracy_score(y, predicted)),
    }


def calibration(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Reliability bins over [0, 1] plus Brier score and expected calibration error (ECE)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    # The last bin is closed on the right so a score of exactly 1.0 is counted.
    which = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    score_sums = np.bincount(which, weights=scores, minlength=bins)
    label_sums = np.bincount(which, weights=labels, minlength=bins)
    table = []
    ece = 0.0
    for i in range(bins):
        n = int(counts[i])
        mean_score = float(score_sums[i] / n) if n else None
        observed = float(label_sums[i] / n) if n else None
        if n:
            ece += n / labels.size * abs(observed - mean_score)
        table.append(
            {
                "bin_low": float(edges[i]),
                "bin_high": float(edges[i + 1]),
                "count": n,
                "mean_score": mean_score,
                "observed_revert_rate": observed,
            }
        )
    return {
        "bins": table,
        "brier_score": brier_score(labels, scores),
        "expected_calibration_error": float(ece) if labels.size else None,
    }


def per_language_auc(
    labels: np.ndarray,
    scores: np.ndarray,
    wiki_dbs: Sequence[str] | np.ndarray,
    *,
    seed: int,
    min_positives: int = 5,
    min_negatives: int = 5,
    resamples: int = DEFAULT_RESAMPLES,
) -> dict[str, Any]:
    """AUC per wiki where both classes are frequent enough to mean something; the rest are listed."""
    wikis = np.asarray(wiki_dbs, dtype=object)
    evaluated, skipped = [], []
    for wiki in sorted(set(wikis.tolist())):
        mask = wikis == wiki
        y, s = labels[mask], scores[mask]
        positives, negatives = int(y.sum()), int(y.size - y.sum())
        row = {"wiki_db": wiki, "n": int(y.size), "positives": positives, "negatives": negatives}
        if positives < min_positives or negatives < min_negatives:
            shortfalls = []
            if positives < min_positives:
                shortfalls.append(f"{positives} reverted < {min_positives}")
            if negatives < min_negatives:
                shortfalls.append(f"{negatives} non-reverted < {min_negatives}")
            skipped.append({**row, "reason": "too few edits: " + ", ".join(shortfalls)})
            continue
        estimate = bootstrap_auc(y, s, seed=seed, resamples=resamples)
        evaluated.append({**row, "roc_auc": estimate.to_dict()})
    return {
        "min_positives": min_positives,
        "min_negatives": min_negatives,
        "languages": evaluated,
        "skipped": skipped,
    }


def _ratio(numerator: float | None, denominator: float | None, what: str) -> dict[str, Any]:
    if numerator is None or denominator is None:
        return {"value": None, "reason": f"a user group has no edits, so {what} is undefined"}
    if denominator == 0:
        return {
            "value": None,
            "reason": f"registered users have a zero {what} rate, so the ratio is undefined",
        }
    return {"value": float(numerator / denominator)}


def per_user_group(
    labels: np.ndarray,
    scores: np.ndarray,
    is_anonymous: Sequence[bool] | np.ndarray,
    *,
    seed: int,
    threshold: float = DEFAULT_THRESHOLD,
    resamples: int = DEFAULT_RESAMPLES,
) -> dict[str, Any]:
    """AUC for anonymous and registered editors, and how much more often anonymous edits get flagged.

    The disparate impact ratio of predictions is reported next to the same ratio of the true labels:
    anonymous edits really are reverted more often, so a ratio above 1 is expected and is only
    worrying when it clearly exceeds the label ratio.
    """
    anon = np.asarray(is_anonymous, dtype=bool)
    groups: dict[str, Any] = {}
    flag_rate: dict[str, float | None] = {}
    revert_rate: dict[str, float | None] = {}
    mean_score: dict[str, float | None] = {}
    for name, mask in (("anonymous", anon), ("registered", ~anon)):
        y, s = labels[mask], scores[mask]
        estimate = bootstrap_auc(y, s, seed=seed, resamples=resamples)
        flag_rate[name] = float((s >= threshold).mean()) if y.size else None
        revert_rate[name] = float(y.mean()) if y.size else None
        mean_score[name] = float(s.mean()) if y.size else None
        groups[name] = {
            "n": int(y.size),
            "positives": int(y.sum()),
            "roc_auc": estimate.to_dict(),
            "flag_rate": flag_rate[name],
            "revert_rate": revert_rate[name],
        }
    anon_auc, reg_auc = (
        groups["anonymous"]["roc_auc"]["value"],
        groups["registered"]["roc_auc"]["value"],
    )
    difference = (
        {"value": anon_auc - reg_auc}
        if anon_auc is not None and reg_auc is not None
        else {"value": None, "reason": "AUC is undefined for at least one group"}
    )
    return {
        "threshold": threshold,
        "groups": groups,
        "roc_auc_difference_anonymous_minus_registered": difference,
        "disparate_impact_predictions": _ratio(
            flag_rate["anonymous"], flag_rate["registered"], "flag"
        ),
        "disparate_impact_labels": _ratio(
            revert_rate["anonymous"], revert_rate["registered"], "revert"
        ),
        # Threshold-free and steadier with few flags: the ratio of mean predicted probabilities.
        "mean_prediction_ratio": _ratio(
            mean_score["anonymous"], mean_score["registered"], "mean prediction"
        ),
    }
