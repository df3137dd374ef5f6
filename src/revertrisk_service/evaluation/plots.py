"""PNG plots for the evaluation report, drawn headless with matplotlib's Agg backend.

Curves come from the 0.001-step threshold table rather than raw predictions, so plots can be
redrawn from the saved files alone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # No display on servers or CI; must precede the pyplot import.
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from revertrisk_service.locations import PLOT_FILES
from revertrisk_service.transparency.threshold_table import ThresholdTable


def _save(figure: plt.Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _unit_curve(
    x: np.ndarray,
    y: np.ndarray,
    reference: Callable[[Axes], object],
    legend_loc: str,
    path: Path,
    **labels: str,
) -> Path:
    """A threshold curve in the unit square, with the dashed line it is read against."""
    figure, axes = plt.subplots(figsize=(5, 4))
    axes.plot(x, y)
    reference(axes)
    axes.set(xlim=(0, 1), ylim=(0, 1.02), **labels)
    axes.legend(loc=legend_loc)
    return _save(figure, path)


def plot_pr_curve(table: ThresholdTable, report: dict[str, Any], path: Path) -> Path:
    precision, recall = table.stat("precision"), table.stat("recall")
    defined = ~np.isnan(precision) & ~np.isnan(recall)
    base_rate = report["positives"] / report["n"] if report["n"] else 0
    return _unit_curve(
        recall[defined],
        precision[defined],
        lambda axes: axes.axhline(
            base_rate, linestyle="--", color="grey", label=f"base rate {base_rate:.3f}"
        ),
        "upper right",
        path,
        xlabel="recall",
        ylabel="precision",
        title=f"Precision-recall (AP {report['overall']['pr_auc'].get('value') or 0:.3f})",
    )


def plot_roc_curve(table: ThresholdTable, report: dict[str, Any], path: Path) -> Path:
    return _unit_curve(
        table.stat("fpr"),
        table.stat("recall"),
        lambda axes: axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance"),
        "lower right",
        path,
        xlabel="false positive rate",
        ylabel="true positive rate (recall)",
        title=f"ROC (AUC {report['overall']['roc_auc'].get('value') or 0:.3f})",
    )


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def plot_per_language_auc(report: dict[str, Any], path: Path) -> Path:
    rows = sorted(report["per_language"]["languages"], key=lambda r: r["roc_auc"]["value"] or 0)
    figure, axes = plt.subplots(figsize=(6, max(2.5, 0.35 * len(rows) + 1)))
    if rows:
        values = np.array([r["roc_auc"]["value"] for r in rows], dtype=float)
        low = np.array(
            [_or(r["roc_auc"].get("ci_low"), v) for r, v in zip(rows, values)], dtype=float
        )
        high = np.array(
            [_or(r["roc_auc"].get("ci_high"), v) for r, v in zip(rows, values)], dtype=float
        )
        positions = np.arange(len(rows))
        # A percentile bootstrap interval need not contain the point estimate (an AUC of 1.0
        # whose resamples round below it): such a bar gets no whisker on that side.
        errors = [np.clip(values - low, 0, None), np.clip(high - values, 0, None)]
        axes.barh(positions, values, xerr=errors, capsize=3)
        axes.set_yticks(positions, [f"{r['wiki_db']} (n={r['n']})" for r in rows])
        axes.axvline(0.5, linestyle="--", color="grey")
    else:
        axes.text(
            0.5, 0.5, "no wiki has enough reverted and non-reverted edits", ha="center", va="center"
        )
    axes.set(xlim=(0, 1), xlabel="ROC AUC (95% bootstrap CI)", title="ROC AUC per wiki")
    return _save(figure, path)


def plot_reliability(report: dict[str, Any], path: Path) -> Path:
    bins = [b for b in report["calibration"]["bins"] if b["count"]]
    figure, axes = plt.subplots(figsize=(5, 4))
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    axes.plot(
        [b["mean_score"] for b in bins],
        [b["observed_revert_rate"] for b in bins],
        marker="o",
        label="model",
    )
    for b in bins:
        axes.annotate(
            str(b["count"]),
            (b["mean_score"], b["observed_revert_rate"]),
            fontsize=7,
            textcoords="offset points",
            xytext=(3, 3),
        )
    axes.set(
        xlabel="mean predicted probability",
        ylabel="observed revert rate",
        xlim=(0, 1),
        ylim=(0, 1),
        title=f"Reliability (ECE {report['calibration']['expected_calibration_error'] or 0:.3f})",
    )
    axes.legend(loc="upper left")
    return _save(figure, path)


def write_plots(report: dict[str, Any], table: ThresholdTable, plots_dir: Path) -> dict[str, Path]:
    plots_dir = Path(plots_dir)
    plots_dir.mkdir(parents=True, exist_ok=True)
    return {
        "pr_curve": plot_pr_curve(table, report, plots_dir / PLOT_FILES["pr_curve"]),
        "roc_curve": plot_roc_curve(table, report, plots_dir / PLOT_FILES["roc_curve"]),
        "per_language_auc": plot_per_language_auc(
            report, plots_dir / PLOT_FILES["per_language_auc"]
        ),
        "reliability": plot_reliability(report, plots_dir / PLOT_FILES["reliability"]),
    }
