"""What a model trained on several sources is worth on each, and on a wiki it never saw.

On the training table's hold-out (training.holdout.source_holdout: by page where a source has
many pages, by time where it has few), the same learner is fitted on three mixes of the
development rows: every source (what ships), the histories alone and the labelled sample alone,
and each is scored on every held-out row, per source and per editor kind. Across sources, for
each wiki a history comes from, it is fitted without any row of that wiki and scored on the
wiki's held-out rows. The manifest carries the result; the model card renders it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from revertrisk_service.training.holdout import SourceHoldout, roc_auc_or_none
from revertrisk_service.training.table import SAMPLE_SOURCE, TrainingTable

# Fits on the rows `train` (indices into the table) and scores the rows `test`.
FitPredict = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _figures(labels: np.ndarray, scores: np.ndarray, anonymous: np.ndarray) -> dict[str, Any]:
    return {
        "rows": len(labels),
        "positives": int(labels.sum()),
        "auc": roc_auc_or_none(labels, scores, digits=3),
        "auc_anonymous": roc_auc_or_none(labels[anonymous], scores[anonymous], digits=3),
        "anonymous_rows": int(anonymous.sum()),
    }


def _scored(table: TrainingTable, held: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    labels, anonymous, source = table.labels[held], table.anonymous[held], table.source[held]
    history = source != SAMPLE_SOURCE
    return {
        "all": _figures(labels, scores, anonymous),
        "history_sources": _figures(labels[history], scores[history], anonymous[history]),
        "per_source": {s: _figures(labels[source == s], scores[source == s],
                                   anonymous[source == s])
                       for s in sorted(set(source.tolist()))},
    }


def source_report(table: TrainingTable, split: SourceHoldout, fit_predict: FitPredict
                  ) -> dict[str, Any]:
    """The three training mixes on the same hold-out, and each history wiki left out."""
    held = np.flatnonzero(split.mask)
    development = ~split.mask
    is_sample = table.source == SAMPLE_SOURCE
    mixes = {"all_sources": development, "histories_only": development & ~is_sample,
             "sample_only": development & is_sample}
    report: dict[str, Any] = {"holdout": split.rules, "mixes": {}, "wiki_left_out": {}}
    for name, rows in mixes.items():
        train = np.flatnonzero(rows)
        if len(np.unique(table.labels[train])) < 2:
            continue  # a mix with no rows (no sample given) or one class cannot be fitted
        report["mixes"][name] = {"train_rows": len(train),
                                 **_scored(table, held, fit_predict(train, held))}
    wiki = table.frame["wiki_db"].astype(str).to_numpy()
    for left_out in sorted(set(wiki[~is_sample].tolist())):
        test = held[(wiki[held] == left_out) & ~is_sample[held]]
        train = np.flatnonzero(development & (wiki != left_out))
        labels = table.labels[test]
        if len(np.unique(labels)) < 2 or len(np.unique(table.labels[train])) < 2:
            continue  # no other source to learn from, or one class on either side
        scores = fit_predict(train, test)
        report["wiki_left_out"][left_out] = {
            "train_rows": len(train),
            "without_it": _figures(labels, scores, table.anonymous[test]),
        }
    return report


def render_source_report(report: dict[str, Any]) -> list[str]:
    """Markdown lines: the mixes per source, then each wiki left out."""
    def auc(figures: dict[str, Any], key: str = "auc") -> str:
        value = figures.get(key)
        return "n/a" if value is None else f"{value:.3f}"

    mixes = report.get("mixes", {})
    if not mixes:
        return []
    sources = sorted({s for m in mixes.values() for s in m["per_source"]})
    lines = [
        "### Per source, by training mix",
        "",
        ("The same learner fitted on every source, on the histories alone and on the labelled "
        "sample alone, each scored on the same held-out rows (ROC AUC; anonymous editors in "
        "brackets; n/a where a set has one class)."),
        "",
        "| held-out rows | " + " | ".join(m.replace("_", " ") for m in mixes) + " |",
        "| --- |" + " --- |" * len(mixes),
    ]
    for key, label in (("all", "all"), ("history_sources", "all histories")):
        first = next(iter(mixes.values()))[key]
        lines.append(f"| {label} ({first['rows']}, {first['positives']} reverted) | "
                     + " | ".join(f"{auc(m[key])} ({auc(m[key], 'auc_anonymous')})"
                                  for m in mixes.values()) + " |")
    for source in sources:
        first = next(iter(mixes.values()))["per_source"][source]
        lines.append(f"| {source} ({first['rows']}, {first['positives']} reverted) | "
                     + " | ".join(f"{auc(m['per_source'][source])} "
                                  f"({auc(m['per_source'][source], 'auc_anonymous')})"
                                  for m in mixes.values()) + " |")
    left_out = report.get("wiki_left_out", {})
    if left_out:
        lines += ["", "### Across sources: a wiki never seen", "",
                  ("Trained on every row of the other sources, scored on the wiki's held-out "
                  "rows."), "", "| wiki left out | rows (reverted) | AUC | AUC anonymous |",
                  "| --- | --- | --- | --- |"]
        for wiki, result in left_out.items():
            figures = result["without_it"]
            lines.append(f"| {wiki} | {figures['rows']} ({figures['positives']}) | "
                         f"{auc(figures)} | {auc(figures, 'auc_anonymous')} |")
    lines.append("")
    return lines
