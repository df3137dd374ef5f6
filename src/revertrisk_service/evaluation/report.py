"""Turn held-out predictions into an evaluation report: evaluation.json, EVALUATION.md and plots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from revertrisk_service.evaluation import metrics
from revertrisk_service.evaluation.plots import write_plots
from revertrisk_service.locations import EVALUATION_JSON, EVALUATION_MD
from revertrisk_service.transparency.threshold_query import answer_threshold_query
from revertrisk_service.transparency.threshold_table import ThresholdTable, as_arrays

# Queries whose answers are worth printing in every report: the operating points patrollers ask for.
HEADLINE_QUERIES = (
    "maximum recall @ precision >= 0.9",
    "maximum recall @ precision >= 0.75",
    "maximum filter_rate @ recall >= 0.75",
    "maximum filter_rate @ recall >= 0.9",
)


def evaluate_predictions(
    labels: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    wiki_dbs: Sequence[str] | np.ndarray,
    is_anonymous: Sequence[bool] | np.ndarray,
    *,
    seed: int = 42,
    resamples: int = metrics.DEFAULT_RESAMPLES,
    min_positives: int = 5,
    min_negatives: int = 5,
) -> dict[str, Any]:
    """Every figure of the evaluation as a JSON-serialisable dict (see module docs of `metrics`)."""
    y, s = as_arrays(labels, scores)
    boot = {"seed": seed, "resamples": resamples}
    overall = {
        "roc_auc": metrics.bootstrap_auc(y, s, **boot).to_dict(),
        "pr_auc": metrics.bootstrap_metric(metrics.pr_auc, y, s, **boot).to_dict(),
        "precision_at_recall_0.75": metrics.bootstrap_metric(
            lambda a, b: metrics.precision_at_recall(a, b, 0.75), y, s, **boot
        ).to_dict(),
        "brier_score": metrics.bootstrap_metric(metrics.brier_score, y, s, **boot).to_dict(),
    }
    return {
        "n": int(y.size),
        "positives": int(y.sum()),
        "negatives": int(y.size - y.sum()),
        "wikis": len(set(np.asarray(wiki_dbs, dtype=object).tolist())),
        "bootstrap": {**boot, "confidence": metrics.DEFAULT_CONFIDENCE, "method": "percentile"},
        "overall": overall,
        "balanced_at_0.5": metrics.balanced_classification(y, s, seed=seed),
        "confusion_matrix_at_0.5": metrics.confusion_at(y, s),
        "calibration": metrics.calibration(y, s),
        "per_language": metrics.per_language_auc(
            y,
            s,
            wiki_dbs,
            seed=seed,
            resamples=resamples,
            min_positives=min_positives,
            min_negatives=min_negatives,
        ),
        "per_user_group": metrics.per_user_group(
            y, s, is_anonymous, seed=seed, resamples=resamples
        ),
    }


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _estimate(body: dict[str, Any]) -> str:
    if body.get("value") is None:
        return f"n/a ({body.get('reason', 'undefined')})"
    if body.get("ci_low") is None:
        return _fmt(body["value"])
    return f"{_fmt(body['value'])} [{_fmt(body['ci_low'])}, {_fmt(body['ci_high'])}]"


def headline_thresholds(table: ThresholdTable) -> list[dict[str, Any]]:
    return [{"query": q, "threshold": answer_threshold_query(table, q)} for q in HEADLINE_QUERIES]


def render_evaluation_markdown(
    report: dict[str, Any], table: ThresholdTable | None = None, title: str = "Evaluation"
) -> str:
    boot = report["bootstrap"]
    lines = [
        f"# {title}",
        "",
        (
            f"Held-out sample: {report['n']} edits from {report['wikis']} wikis, "
            f"{report['positives']} reverted and {report['negatives']} not. "
            f"Intervals are {boot['confidence']:.0%} percentile bootstrap intervals "
            f"({boot['resamples']} resamples, seed {boot['seed']}); with this few reverted edits they are wide, "
            "so read differences between figures with care."
        ),
        "",
        *([f"Hold-out: {report['split']}", ""] if report.get("split") else []),
        "## Overall",
        "",
        "| metric | value [95% CI] |",
        "|---|---|",
    ]
    lines += [f"| {name} | {_estimate(body)} |" for name, body in report["overall"].items()]
    balanced = report["balanced_at_0.5"]
    cm = report["confusion_matrix_at_0.5"]
    cal = report["calibration"]
    lines += [
        "",
        (
            f"At threshold 0.5 on a class-balanced subsample of {balanced['n']} edits (seed {balanced.get('seed')}): "
            f"F1 {_fmt(balanced['f1'])}, accuracy {_fmt(balanced['accuracy'])}."
        ),
        "",
        "Confusion matrix at 0.5 on the full sample (flagged when score >= 0.5):",
        "",
        "| | flagged | not flagged |",
        "|---|---|---|",
        f"| reverted | {cm['tp']} | {cm['fn']} |",
        f"| not reverted | {cm['fp']} | {cm['tn']} |",
        "",
        "## Calibration",
        "",
        (
            f"Brier score {_fmt(cal['brier_score'])}, expected calibration error "
            f"{_fmt(cal['expected_calibration_error'])} (10 equal-width bins)."
        ),
        "",
        "| bin | edits | mean score | observed revert rate |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {b['bin_low']:.1f}-{b['bin_high']:.1f} | {b['count']} | {_fmt(b['mean_score'])} | "
        f"{_fmt(b['observed_revert_rate'])} |"
        for b in cal["bins"]
    ]
    lang = report["per_language"]
    lines += [
        "",
        "## Per language",
        "",
        (
            f"ROC AUC for wikis with at least {lang['min_positives']} reverted and "
            f"{lang['min_negatives']} non-reverted edits."
        ),
        "",
        "| wiki | edits | reverted | ROC AUC [95% CI] |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {r['wiki_db']} | {r['n']} | {r['positives']} | {_estimate(r['roc_auc'])} |"
        for r in lang["languages"]
    ]
    if lang["skipped"]:
        lines += [
            "",
            f"Skipped {len(lang['skipped'])} wikis: "
            + "; ".join(f"{r['wiki_db']} ({r['reason']})" for r in lang["skipped"])
            + ".",
        ]
    group = report["per_user_group"]
    lines += [
        "",
        "## Anonymous and registered editors",
        "",
        "| group | edits | reverted | revert rate | flagged at 0.5 | ROC AUC [95% CI] |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {g['n']} | {g['positives']} | {_fmt(g['revert_rate'])} | {_fmt(g['flag_rate'])} | "
        f"{_estimate(g['roc_auc'])} |"
        for name, g in group["groups"].items()
    ]
    lines += [
        "",
        (
            f"- AUC difference (anonymous - registered): "
            f"{_estimate(group['roc_auc_difference_anonymous_minus_registered'])}"
        ),
        (
            f"- Disparate impact of predictions, P(flagged | anonymous) / P(flagged | registered): "
            f"{_estimate(group['disparate_impact_predictions'])}"
        ),
        f"- The same ratio for the true labels (reverted): {_estimate(group['disparate_impact_labels'])}",
        *(
            [(f"- Mean predicted probability, anonymous / registered: "
             f"{_estimate(group['mean_prediction_ratio'])} (threshold-free; compare with the "
             "label ratio above)")]
            if "mean_prediction_ratio" in group else []
        ),
        "",
        (
            "A prediction ratio well above the label ratio means the model singles out anonymous editors "
            "more than their actual revert rate justifies."
        ),
    ]
    if table is not None:
        lines += [
            "",
            "## Operating points",
            "",
            "| query | threshold | precision | recall | filter_rate |",
            "|---|---|---|---|---|",
        ]
        for item in headline_thresholds(table):
            t = item["threshold"]
            lines.append(
                f"| {item['query']} | none qualifies | | | |"
                if t is None
                else f"| {item['query']} | {t['threshold']:.3f} | {_fmt(t['precision'])} | {_fmt(t['recall'])} | "
                f"{_fmt(t['filter_rate'])} |"
            )
    lines += [
        "",
        "## Plots",
        "",
        "![precision-recall curve](plots/pr_curve.png) ![ROC curve](plots/roc_curve.png)",
        "![per-language AUC](plots/per_language_auc.png) ![reliability diagram](plots/reliability.png)",
        "",
    ]
    return "\n".join(lines)


def write_evaluation(
    report: dict[str, Any], thresholds: ThresholdTable, model_dir: Path, title: str = "Evaluation"
) -> dict[str, Path]:
    """Write evaluation.json, EVALUATION.md and the PNG plots; returns what was written."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    json_path = model_dir / EVALUATION_JSON
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    md_path = model_dir / EVALUATION_MD
    md_path.write_text(render_evaluation_markdown(report, thresholds, title), encoding="utf-8")
    written = {"evaluation_json": json_path, "evaluation_md": md_path}
    written.update(write_plots(report, thresholds, model_dir / "plots"))
    return written
