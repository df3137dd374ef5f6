"""A caution level's threshold for the version that serves, with its basis.

(versions.caution computes the observed thresholds; this module answers from them or from the
evaluation, so that the thresholds endpoint and the predict flags share one rule.)

Each version finds its own threshold per level. It starts from its evaluation (its
thresholds.json, computed on its held-out test set). Once enough of its live edits are decided,
the outcomes it observed take over: the same search (transparency.caution_levels) over its
decided live scores. The minimum is MIN_DECIDED decided edits of which at least MIN_REVERTED were
reverted: below that, one more revert moves a 0.95 precision by more than the gap to the next
level, and the evaluation set is the steadier basis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from revertrisk_service.errors import InvalidCautionLevel
from revertrisk_service.transparency.caution_levels import (
    LEVEL_NAMES,
    LevelThreshold,
    caution_level,
    level_thresholds,
)
from revertrisk_service.transparency.threshold_table import ThresholdTable

log = logging.getLogger(__name__)

MIN_DECIDED = 1000
MIN_REVERTED = 50

# (model name, version, level) -> the level's threshold from observed outcomes, or None when
# too few edits are decided.
ObservedLevel = Callable[[str, str, str], LevelThreshold | None]


def checked_level(level: str) -> str:
    try:
        return caution_level(level).name
    except KeyError:
        raise InvalidCautionLevel(
            f"Unknown caution level {level!r}; choose one of: {', '.join(LEVEL_NAMES)}.",
            field="level",
        ) from None


def level_answer(
    name: str,
    version: str,
    level: str,
    evaluation: ThresholdTable,
    observed: ObservedLevel | None = None,
) -> dict[str, Any]:
    """The answer of `GET /v1/models/<name>/thresholds?level=<level>`."""
    level = checked_level(level)
    found = None
    if observed is not None:
        try:
            found = observed(name, version, level)
        except Exception as error:  # noqa: BLE001 - the evaluation still answers
            log.warning("observed caution levels of %s %s unavailable: %s", name, version, error)
    basis = "observed" if found is not None else "evaluation"
    if found is None:
        (found,) = level_thresholds(evaluation, [caution_level(level)])
    return {
        "level": level,
        "min_precision": found.min_precision,
        "threshold": found.threshold,
        "basis": {
            "source": basis,
            "n": found.n,
            "positives": found.positives,
            "precision": found.precision,
            "recall": found.recall,
            "min_decided": MIN_DECIDED,
            "min_reverted": MIN_REVERTED,
        },
    }
