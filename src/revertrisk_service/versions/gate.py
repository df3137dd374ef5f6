"""The promotion gate: champion and challenger on the same decided live edits.

Both versions' recorded scores (the challenger's in the shadow) are joined by wiki and revision,
so every figure compares the two on exactly the same edits. The figures:
- the AUC difference (challenger minus champion) with a paired bootstrap interval, overall and
  for anonymous editors: the same resamples for both versions, so the edits' own difficulty
  cancels out;
- disparate impact (evaluation.disparate_impact): the anonymous/registered flagged-share ratio
  over the same ratio of the labels, for each version;
- precision at each caution level, each version at its own threshold for the level (from its
  evaluation), which is what a wiki that asked for the level would get.

The gate passes only when every check passes; the rules and their margins are constants here
and in docs/model-versions.md. Too few decided edits is a failure: no evidence, no promotion.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from revertrisk_service.evaluation.ablation import Estimate, PageBootstrap
from revertrisk_service.evaluation.disparate_impact import disparate_impact
from revertrisk_service.locations import THRESHOLDS_FILENAME
from revertrisk_service.outcomes.records import DecidedScore, ScoreFilter
from revertrisk_service.outcomes.store import OutcomeStore
from revertrisk_service.transparency.caution_levels import CAUTION_LEVELS, level_thresholds
from revertrisk_service.transparency.threshold_table import ThresholdTable

# Evidence needed before any verdict: decided edits in common, and reverted ones among them.
MIN_PAIRED = 200
MIN_REVERTED = 20
MIN_ANONYMOUS = 50
# The challenger's AUC must be higher, and its 95% interval's low end no further below the
# champion's than this (overall; for the smaller anonymous group, the wider margin).
AUC_MARGIN = 0.01
AUC_MARGIN_ANONYMOUS = 0.02
# At each caution level, the challenger's precision may fall short of the level's minimum or of
# the champion's (whichever is lower) by at most this.
PRECISION_MARGIN = 0.02
# Disparate impact: the challenger's flagged-share quotient (prediction/label) may exceed the
# champion's by at most this, unless its interval includes 1 (no disparity beyond the noise).
DISPARITY_MARGIN = 0.10
DRAWS = 1000


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Comparison:
    model: str
    champion: str
    challenger: str
    paired: int
    reverted: int
    anonymous: int
    figures: dict[str, Any]
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.passed}


def paired(
    champion: list[DecidedScore], challenger: list[DecidedScore]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """labels, anonymous, champion scores, challenger scores, edit ids over the edits both
    versions scored, ordered by (wiki, revision)."""
    theirs = {(d.wiki_db, d.rev_id): d for d in challenger}
    both = [(d, theirs[(d.wiki_db, d.rev_id)]) for d in champion if (d.wiki_db, d.rev_id) in theirs]
    both.sort(key=lambda pair: (pair[0].wiki_db, pair[0].rev_id))
    labels = np.array([a.reverted for a, _ in both], dtype=np.int64)
    anonymous = np.array([a.editor_anonymous for a, _ in both], dtype=bool)
    first = np.array([a.probability for a, _ in both], dtype=np.float64)
    second = np.array([b.probability for _, b in both], dtype=np.float64)
    edits = np.array([f"{a.wiki_db}:{a.rev_id}" for a, _ in both])
    return labels, anonymous, first, second, edits


def evaluation_table(artifact: Path) -> ThresholdTable:
    body = json.loads((artifact / THRESHOLDS_FILENAME).read_text(encoding="utf-8"))
    return ThresholdTable.from_json_dict(body)


def _precision(labels: np.ndarray, scores: np.ndarray, threshold: float | None) -> dict[str, Any]:
    if threshold is None:
        return {"threshold": None, "precision": None, "flagged": 0}
    flagged = scores >= threshold
    count = int(flagged.sum())
    return {
        "threshold": threshold,
        "precision": float(labels[flagged].mean()) if count else None,
        "flagged": count,
    }


def _estimate(estimate: Estimate) -> dict[str, float]:
    return estimate.as_dict()


def compare(
    store: OutcomeStore,
    model: str,
    champion: tuple[str, Path],
    challenger: tuple[str, Path],
    since: datetime | None = None,
    until: datetime | None = None,
    draws: int = DRAWS,
    seed: int = 0,
) -> Comparison:
    """Champion and challenger (version, artifact directory) on their common decided edits."""
    (first_version, first_dir), (second_version, second_dir) = champion, challenger
    period = ScoreFilter(since=since, until=until)
    labels, anonymous, first, second, edits = paired(
        store.decided_scores(model, first_version, period),
        store.decided_scores(model, second_version, period),
    )
    counts = (int(labels.size), int(labels.sum()), int(anonymous.sum()))
    anonymous_classes = len(set(labels[anonymous].tolist())) == 2
    figures: dict[str, Any] = {}
    checks: list[Check] = []
    enough = counts[0] >= MIN_PAIRED and counts[1] >= MIN_REVERTED and counts[0] > counts[1]
    checks.append(
        Check(
            "evidence",
            enough,
            f"{counts[0]} decided edits in common, {counts[1]} reverted (needs at least "
            f"{MIN_PAIRED} and {MIN_REVERTED}, and some not reverted)",
        )
    )
    if not enough:
        return Comparison(model, first_version, second_version, *counts, figures, checks)
    everyone = PageBootstrap(edits, np.ones(labels.size, dtype=bool), draws, seed)
    figures["auc"] = {
        "champion": _estimate(everyone.estimate(labels, first[None, :])),
        "challenger": _estimate(everyone.estimate(labels, second[None, :])),
        "difference": _estimate(everyone.difference(labels, second[None, :], first[None, :])),
    }
    difference = figures["auc"]["difference"]
    checks.append(
        Check(
            "auc",
            difference["value"] > 0 and difference["ci_low"] >= -AUC_MARGIN,
            f"AUC difference {difference['value']:+.4f} [{difference['ci_low']:+.4f}, "
            f"{difference['ci_high']:+.4f}] (needs > 0 and a low end >= -{AUC_MARGIN})",
        )
    )
    if counts[2] >= MIN_ANONYMOUS and anonymous_classes:
        anon = PageBootstrap(edits, anonymous, draws, seed)
        figures["auc_anonymous"] = {
            "difference": _estimate(anon.difference(labels, second[None, :], first[None, :]))
        }
        low = figures["auc_anonymous"]["difference"]["ci_low"]
        checks.append(
            Check(
                "auc_anonymous",
                low >= -AUC_MARGIN_ANONYMOUS,
                f"anonymous editors' AUC difference "
                f"{figures['auc_anonymous']['difference']['value']:+.4f}, low end {low:+.4f} "
                f"(needs >= -{AUC_MARGIN_ANONYMOUS})",
            )
        )
    else:
        checks.append(
            Check(
                "auc_anonymous",
                False,
                f"{counts[2]} decided anonymous edits (needs {MIN_ANONYMOUS}, reverted and not)",
            )
        )
    figures["disparate_impact"] = {
        version: disparate_impact(labels, anonymous, scores, edits, draws=draws, seed=seed)
        for version, scores in ((first_version, first), (second_version, second))
    }
    mine = figures["disparate_impact"][second_version]["over_label_ratio"]["flagged_share_ratio"]
    theirs = figures["disparate_impact"][first_version]["over_label_ratio"]["flagged_share_ratio"]
    fair = (
        not np.isfinite(mine["value"])
        or mine["ci_low"] <= 1
        or (np.isfinite(theirs["value"]) and mine["value"] <= theirs["value"] + DISPARITY_MARGIN)
    )
    checks.append(
        Check(
            "disparate_impact",
            bool(fair),
            f"flagged-share ratio over label ratio: challenger {mine['value']:.2f} "
            f"[{mine['ci_low']:.2f}, {mine['ci_high']:.2f}], champion {theirs['value']:.2f}",
        )
    )
    levels = {}
    shortfalls = []
    first_levels = level_thresholds(evaluation_table(first_dir))
    second_levels = level_thresholds(evaluation_table(second_dir))
    for level, a, b in zip(CAUTION_LEVELS, first_levels, second_levels, strict=True):
        ours = _precision(labels, second, b.threshold)
        old = _precision(labels, first, a.threshold)
        levels[level.name] = {"champion": old, "challenger": ours}
        if ours["precision"] is None:
            continue
        floor = min(level.min_precision, old["precision"] if old["precision"] is not None else 1)
        if ours["precision"] < floor - PRECISION_MARGIN:
            shortfalls.append(f"{level.name} {ours['precision']:.3f} < {floor:.3f}")
    figures["caution_levels"] = levels
    checks.append(
        Check(
            "caution_levels",
            not shortfalls,
            "; ".join(shortfalls) or "each level's precision holds against the level and the "
            "champion",
        )
    )
    return Comparison(model, first_version, second_version, *counts, figures, checks)
