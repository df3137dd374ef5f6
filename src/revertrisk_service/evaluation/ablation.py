"""Feature-group ablations by repeated, grouped cross-validation, with page-clustered intervals.

Every labelled row is scored out of fold in each repeat (folds grouped by page, so no page is on
both sides; stratified by label). A configuration's AUC is the mean over repeats of the
out-of-fold AUC. Intervals come from a bootstrap over pages (edits of one page are not
independent), applied to the out-of-fold scores of every repeat at once. A paired difference
resamples the same pages for both configurations, so it is far tighter than the two intervals
side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata
from sklearn.model_selection import StratifiedGroupKFold

# fit_predict(train_rows, test_rows, repeat, fold) -> scores of the test rows
FitPredict = Callable[[np.ndarray, np.ndarray, int, int], np.ndarray]


@dataclass(frozen=True)
class CvPlan:
    repeats: int = 5
    folds: int = 5
    seed: int = 42

    def splits(self, labels: np.ndarray, groups: np.ndarray):
        """(repeat, fold, train rows, test rows) for every fold of every repeat."""
        for repeat in range(self.repeats):
            splitter = StratifiedGroupKFold(
                n_splits=self.folds, shuffle=True, random_state=self.seed + repeat
            )
            for fold, (train, test) in enumerate(
                splitter.split(np.zeros(len(labels)), labels, groups)
            ):
                yield repeat, fold, train, test


def out_of_fold(plan: CvPlan, labels: np.ndarray, groups: np.ndarray, fit_predict: FitPredict,
                on_fold: Callable[[], None] | None = None) -> np.ndarray:
    """Scores of shape (repeats, rows): each row scored by models that never saw its page."""
    scores = np.full((plan.repeats, len(labels)), np.nan)
    for repeat, fold, train, test in plan.splits(labels, groups):
        scores[repeat, test] = fit_predict(train, test, repeat, fold)
        if on_fold is not None:
            on_fold()
    return scores


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by the rank-sum formula (ties count half); NaN with one class only."""
    positives = labels.astype(bool)
    n_pos = int(positives.sum())
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _mean_auc(labels: np.ndarray, scores: np.ndarray, rows: np.ndarray) -> float:
    return float(np.mean([auc(labels[rows], repeat[rows]) for repeat in scores]))


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"value": round(self.value, 4), "ci_low": round(self.low, 4),
                "ci_high": round(self.high, 4)}

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


class PageBootstrap:
    """Resamples of pages (with replacement), fixed once so every comparison uses the same ones."""

    def __init__(self, groups: np.ndarray, subset: np.ndarray, draws: int = 1000, seed: int = 0):
        rng = np.random.default_rng(seed)
        rows = np.flatnonzero(subset)
        pages, inverse = np.unique(groups[rows], return_inverse=True)
        members = [rows[inverse == i] for i in range(len(pages))]
        self.rows = rows
        self.samples = [
            np.concatenate([members[p] for p in rng.integers(0, len(pages), len(pages))])
            for _ in range(draws)
        ]

    def statistic(self, statistic: Callable[[np.ndarray], float]) -> Estimate:
        """Any statistic of a set of rows (with repeats), on all rows and on every resample;
        resamples where it is undefined (NaN) are left out of the interval."""
        values = np.array([statistic(sample) for sample in self.samples], dtype=np.float64)
        low, high = np.nanpercentile(values, [2.5, 97.5])
        return Estimate(float(statistic(self.rows)), float(low), float(high))

    def estimate(self, labels: np.ndarray, scores: np.ndarray) -> Estimate:
        return self.statistic(lambda rows: _mean_auc(labels, scores, rows))

    def difference(self, labels: np.ndarray, a: np.ndarray, b: np.ndarray) -> Estimate:
        """AUC(a) - AUC(b) on the same rows and resamples."""
        return self.statistic(
            lambda rows: _mean_auc(labels, a, rows) - _mean_auc(labels, b, rows)
        )


@dataclass(frozen=True)
class AblationRow:
    group: str
    features: int
    auc: Estimate
    auc_anonymous: Estimate
    # All groups minus the AUC without this group: what the group adds (None for "all").
    gain: Estimate | None
    gain_anonymous: Estimate | None

    def beats_noise(self) -> bool | None:
        return None if self.gain is None else self.gain.low > 0

    def as_dict(self) -> dict:
        return {
            "group": self.group,
            "features": self.features,
            "auc": self.auc.as_dict(),
            "auc_anonymous": self.auc_anonymous.as_dict(),
            "gain_over_model_without_group": None if self.gain is None else self.gain.as_dict(),
            "gain_anonymous": None if self.gain_anonymous is None else self.gain_anonymous.as_dict(),
        }


def ablation_rows(labels: np.ndarray, groups: np.ndarray, anonymous: np.ndarray,
                  all_scores: np.ndarray, without: Mapping[str, np.ndarray],
                  sizes: Mapping[str, int], draws: int = 1000) -> list[AblationRow]:
    """One row per dropped group (its AUC without it and what it adds), then "all"."""
    everyone = PageBootstrap(groups, np.ones(len(labels), dtype=bool), draws)
    anon = PageBootstrap(groups, anonymous.astype(bool), draws, seed=1)
    rows = [
        AblationRow(
            group=name,
            features=sizes[name],
            auc=everyone.estimate(labels, scores),
            auc_anonymous=anon.estimate(labels, scores),
            gain=everyone.difference(labels, all_scores, scores),
            gain_anonymous=anon.difference(labels, all_scores, scores),
        )
        for name, scores in without.items()
    ]
    rows.append(AblationRow("all", sum(sizes.values()), everyone.estimate(labels, all_scores),
                            anon.estimate(labels, all_scores), None, None))
    return rows


def markdown_table(rows: Sequence[AblationRow]) -> str:
    lines = [
        ("| without group | features dropped | AUC | AUC anonymous | gain of the group "
         "| gain on anonymous |"),
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        gain = "" if row.gain is None else f"{row.gain.value:+.3f} [{row.gain.low:+.3f}, {row.gain.high:+.3f}]"
        gain_anon = ("" if row.gain_anonymous is None else
                     f"{row.gain_anonymous.value:+.3f} [{row.gain_anonymous.low:+.3f}, "
                     f"{row.gain_anonymous.high:+.3f}]")
        name = "**all groups**" if row.group == "all" else row.group
        lines.append(f"| {name} | {row.features} | {row.auc} | {row.auc_anonymous} | {gain} | "
                     f"{gain_anon} |")
    return "\n".join(lines)
