"""Named caution levels: what a wiki asks for instead of a number.

A threshold means nothing across model versions: 0.93 from one model is not 0.93 from the next.
A level names the precision a community wants from the flags it acts on (AutoModerator's
community settings use these words), and each model version, from its evaluation or from the
outcomes it has observed, finds its own threshold for it. A model update then never silently
changes what "cautious" means to a wiki.

A level's threshold is the lowest grid threshold whose precision meets the level (so recall is
as high as that precision allows when precision rises with the threshold), or None when no
threshold does. Precision is undefined where nothing is flagged, so such a threshold never
qualifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from revertrisk_service.transparency.threshold_query import TOLERANCE
from revertrisk_service.transparency.threshold_table import (
    ThresholdTable,
    compute_threshold_table,
)


@dataclass(frozen=True)
class CautionLevel:
    name: str
    min_precision: float


# Most cautious first: the order readers meet them in every answer.
CAUTION_LEVELS: tuple[CautionLevel, ...] = (
    CautionLevel("very-cautious", 0.99),
    CautionLevel("cautious", 0.95),
    CautionLevel("balanced", 0.90),
    CautionLevel("loose", 0.75),
)
LEVEL_NAMES: tuple[str, ...] = tuple(level.name for level in CAUTION_LEVELS)


@dataclass(frozen=True)
class LevelThreshold:
    """One level's threshold and what it achieves there; None where no threshold meets it.

    `n` and `positives` are the labelled edits the figures stand on (all of them, and the
    reverted ones); `flagged` the ones at or above the threshold.
    """

    level: str
    min_precision: float
    threshold: float | None
    precision: float | None
    recall: float | None
    flagged: int
    true_positives: int
    n: int
    positives: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def caution_level(name: str) -> CautionLevel:
    """The level called `name`; KeyError naming the known levels otherwise."""
    for level in CAUTION_LEVELS:
        if level.name == name:
            return level
    raise KeyError(f"unknown caution level {name!r}; known: {', '.join(LEVEL_NAMES)}")


def level_thresholds(
    table: ThresholdTable, levels: Sequence[CautionLevel] = CAUTION_LEVELS
) -> list[LevelThreshold]:
    """Each level's threshold in a threshold table (a saved thresholds.json or one computed)."""
    precision = table.stat("precision")
    recall = table.stat("recall")
    n = table.n
    positives = int(table.tp[0] + table.fn[0]) if len(table) else 0
    answers = []
    for level in levels:
        with np.errstate(invalid="ignore"):
            meets = ~np.isnan(precision) & (precision >= level.min_precision - TOLERANCE)
        found = np.flatnonzero(meets)
        if found.size == 0:
            answers.append(
                LevelThreshold(level.name, level.min_precision, None, None, None, 0, 0, n, positives)
            )
            continue
        # The table is ordered by threshold, so the first qualifying row is the lowest.
        at = int(found[0])
        answers.append(
            LevelThreshold(
                level=level.name,
                min_precision=level.min_precision,
                threshold=float(table.thresholds[at]),
                precision=float(precision[at]),
                recall=None if np.isnan(recall[at]) else float(recall[at]),
                flagged=int(table.tp[at] + table.fp[at]),
                true_positives=int(table.tp[at]),
                n=n,
                positives=positives,
            )
        )
    return answers


def level_thresholds_from_scores(
    labels: Sequence[int] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    levels: Sequence[CautionLevel] = CAUTION_LEVELS,
) -> list[LevelThreshold]:
    """Each level's threshold over labelled scores (1 = reverted), on the 0.001 grid that saved
    threshold tables use."""
    return level_thresholds(compute_threshold_table(labels, scores), levels)
