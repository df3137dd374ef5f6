"""Disparate impact over the out-of-fold predictions of the repeated grouped cross-validation.

The hold-out has a handful of registered edits with a high score (one flagged at 0.5), so its
P(flagged | anonymous) / P(flagged | registered) is noise. Here every development row is scored
out of fold in each repeat by the shipped feature set and learner, and each ratio is compared with
the same ratio of the labels on the same page-bootstrap resamples (paired), so the verdict says
whether the predictions single out anonymous editors more than their revert rate does, beyond
the noise. Rates pool all repeats: a group's flagged share is its share of (repeat, edit) pairs
flagged at the threshold.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from revertrisk_service.evaluation.ablation import (
    CvPlan,
    Estimate,
    PageBootstrap,
    auc,
    out_of_fold,
)
from revertrisk_service.evaluation.metrics import DEFAULT_THRESHOLD

if TYPE_CHECKING:
    from revertrisk_service.evaluation.ablation_runs import AblationSpec

DISPARATE_IMPACT_FILE = "disparate_impact.json"
FIGURES = ("flagged_share_ratio", "mean_prediction_ratio", "label_ratio")


def _ratio(anonymous: float, registered: float) -> float:
    return anonymous / registered if registered > 0 else float("nan")


class GroupRatios:
    """Anonymous/registered ratios of one set of rows (a resample may repeat rows)."""

    def __init__(self, labels: np.ndarray, anonymous: np.ndarray, scores: np.ndarray,
                 threshold: float):
        self.labels = np.asarray(labels, dtype=np.float64)
        self.anonymous = np.asarray(anonymous, dtype=bool)
        self.scores = np.atleast_2d(np.asarray(scores, dtype=np.float64))
        self.flagged = self.scores >= threshold

    def _by_group(self, values: np.ndarray, rows: np.ndarray) -> float:
        """Mean over the anonymous rows divided by the mean over the registered rows."""
        anon = self.anonymous[rows]
        if anon.all() or not anon.any():
            return float("nan")
        chosen = values[..., rows]
        return _ratio(float(chosen[..., anon].mean()), float(chosen[..., ~anon].mean()))

    def flagged_share_ratio(self, rows: np.ndarray) -> float:
        return self._by_group(self.flagged, rows)

    def mean_prediction_ratio(self, rows: np.ndarray) -> float:
        return self._by_group(self.scores, rows)

    def label_ratio(self, rows: np.ndarray) -> float:
        return self._by_group(self.labels, rows)


def disparate_impact(labels: np.ndarray, anonymous: np.ndarray, scores: np.ndarray,
                     pages: np.ndarray, threshold: float = DEFAULT_THRESHOLD,
                     draws: int = 1000, seed: int = 0) -> dict[str, Any]:
    """The three ratios with page-bootstrap intervals, each prediction ratio divided by the label
    ratio (paired, same resamples), and a verdict. `scores` is (repeats, rows) or (rows,)."""
    ratios = GroupRatios(labels, anonymous, scores, threshold)
    boot = PageBootstrap(pages, np.ones(len(ratios.labels), dtype=bool), draws, seed)
    figures: dict[str, Estimate] = {
        name: boot.statistic(getattr(ratios, name)) for name in FIGURES
    }
    excess = {
        name: boot.statistic(
            lambda rows, n=name: getattr(ratios, n)(rows) / ratios.label_ratio(rows)
        )
        for name in ("flagged_share_ratio", "mean_prediction_ratio")
    }
    anon = ratios.anonymous
    undefined = sum(np.isnan(ratios.flagged_share_ratio(rows)) for rows in boot.samples)
    return {
        "threshold": threshold,
        "draws": draws,
        "rows": int(anon.size),
        "anonymous_rows": int(anon.sum()),
        "registered_flagged_per_repeat": float(ratios.flagged[:, ~anon].sum() / len(ratios.scores)),
        "anonymous_flagged_per_repeat": float(ratios.flagged[:, anon].sum() / len(ratios.scores)),
        # Repeats re-score the same edits: this many distinct registered edits carry the figure.
        "registered_edits_ever_flagged": int(ratios.flagged[:, ~anon].any(axis=0).sum()),
        # Resamples with no flagged registered edit (ratio infinite) are left out of its interval,
        # which moves the interval down: conservative for an "exceeds" verdict.
        "flagged_share_ratio_undefined_resamples": int(undefined),
        **{name: estimate.as_dict() for name, estimate in figures.items()},
        "over_label_ratio": {name: estimate.as_dict() for name, estimate in excess.items()},
        "verdict": verdict(excess["flagged_share_ratio"], excess["mean_prediction_ratio"]),
    }


def _compare(estimate: Estimate) -> str:
    if estimate.low > 1:
        return "exceeds the label ratio beyond the noise"
    if estimate.high < 1:
        return "is below the label ratio beyond the noise"
    return "does not differ from the label ratio beyond the noise"


def verdict(flagged: Estimate, mean_prediction: Estimate) -> str:
    """One line from the paired prediction/label quotients (their intervals against 1)."""
    return (
        f"Flagged-share ratio {_compare(flagged)} (prediction/label {flagged}); mean-probability "
        f"ratio {_compare(mean_prediction)} (prediction/label {mean_prediction})."
    )


def cross_validated_disparate_impact(spec: AblationSpec, plan: CvPlan, draws: int = 1000,
                                     on_fold: Callable[[], None] | None = None) -> dict[str, Any]:
    """Out-of-fold scores of the spec's shipped groups, then their ratios."""
    columns = [c for g in spec.groups if g in spec.shipped_groups for c in spec.groups[g]]
    frame = spec.frame[columns]

    def fit_predict(train: np.ndarray, test: np.ndarray, repeat: int, fold: int) -> np.ndarray:
        # The ablation's seeds (42 + repeat), so these are its "shipped" out-of-fold scores.
        return spec.fit_predict(frame.iloc[train], spec.labels[train], frame.iloc[test], 42 + repeat)

    scores = out_of_fold(plan, spec.labels, spec.pages, fit_predict, on_fold=on_fold)
    result = disparate_impact(spec.labels, spec.anonymous, scores, spec.pages, draws=draws)
    return {
        "model": spec.model,
        # The same as the ablation's shipped AUC when the plan and the data are the same.
        "auc_mean_over_repeats": round(float(np.mean([auc(spec.labels, s) for s in scores])), 4),
        "shipped_groups": [g for g in spec.groups if g in spec.shipped_groups],
        "method": (
            f"out-of-fold predictions of the shipped feature set, {plan.repeats}x{plan.folds} "
            f"repeated StratifiedGroupKFold (groups: wiki and page; seeds {plan.seed}.."
            f"{plan.seed + plan.repeats - 1}), development rows only (hold-out excluded); rates "
            f"pool the repeats; 95% intervals from {draws} bootstrap resamples of pages; "
            "prediction/label is the paired quotient on the same resamples."
        ),
        **result,
    }


def write_disparate_impact(result: Mapping[str, Any], model_dir: Path) -> Path:
    path = Path(model_dir) / DISPARATE_IMPACT_FILE
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return path


def _fmt(body: Mapping[str, float]) -> str:
    return f"{body['value']:.2f} [{body['ci_low']:.2f}, {body['ci_high']:.2f}]"


def _plain(body: Mapping[str, Any] | None) -> str:
    if not body or body.get("value") is None:
        return "n/a" if not body else f"n/a ({body.get('reason', 'undefined')})"
    return f"{body['value']:.2f}"


def render_disparate_impact_markdown(result: Mapping[str, Any],
                                     holdout: Mapping[str, Any] | None = None) -> str:
    """The cross-validated section of EVALUATION.md, with the hold-out's figures beside it."""
    holdout = holdout or {}
    over = result["over_label_ratio"]
    rows = (
        ("share flagged at the threshold, anonymous / registered", "flagged_share_ratio",
         "disparate_impact_predictions", over["flagged_share_ratio"]),
        ("mean predicted probability, anonymous / registered", "mean_prediction_ratio",
         "mean_prediction_ratio", over["mean_prediction_ratio"]),
        ("revert rate (labels), anonymous / registered", "label_ratio",
         "disparate_impact_labels", None),
    )
    lines = [
        "## Disparate impact over repeated cross-validation",
        "",
        (f"{result['rows']} development rows ({result['anonymous_rows']} anonymous); "
         f"{result['method']} Threshold {result['threshold']}: per repeat "
         f"{result['anonymous_flagged_per_repeat']:.1f} anonymous and "
         f"{result['registered_flagged_per_repeat']:.1f} registered edits flagged on average "
         f"({result['registered_edits_ever_flagged']} distinct registered edits flagged in any "
         f"repeat; {result['flagged_share_ratio_undefined_resamples']} resamples of "
         f"{result['draws']} have none: their flagged-share ratio is infinite and left out, which "
         "moves its interval down)."),
        "",
        "| ratio | cross-validated [95% CI] | prediction / label [95% CI] | hold-out |",
        "| --- | --- | --- | --- |",
    ]
    for label, key, holdout_key, quotient in rows:
        lines.append(f"| {label} | {_fmt(result[key])} | "
                     f"{'' if quotient is None else _fmt(quotient)} | "
                     f"{_plain(holdout.get(holdout_key))} |")
    lines += [
        "",
        f"Verdict: {result['verdict']}",
        "",
        ("The flagged-share ratio counts only edits above the threshold, where registered ones "
         "are rare (see the counts above), so it is the noisier figure and grows with any "
         "threshold far above the base rate; the mean-probability ratio uses every edit."),
        "",
    ]
    return "\n".join(lines)
