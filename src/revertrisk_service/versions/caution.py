"""Caution levels from a version's observed outcomes: the same search as its evaluation's
(transparency.caution_levels) over its decided live scores, once enough of them are decided
(transparency.version_levels says how many and answers from them or from the evaluation).
"""

from __future__ import annotations

import time

from revertrisk_service.outcomes.store import OutcomeStore
from revertrisk_service.transparency.caution_levels import (
    LevelThreshold,
    level_thresholds_from_scores,
)
from revertrisk_service.transparency.version_levels import (
    MIN_DECIDED,
    MIN_REVERTED,
    ObservedLevel,
)


def observed_levels(
    store: OutcomeStore,
    min_decided: int = MIN_DECIDED,
    min_reverted: int = MIN_REVERTED,
    max_age_s: float = 300.0,
) -> ObservedLevel:
    """Levels from a version's decided live scores, once there are enough of them. Computed
    for all levels at once and kept `max_age_s` seconds: outcomes arrive over hours, and a
    request must not read every decided edit."""
    computed: dict[tuple[str, str], tuple[float, dict[str, LevelThreshold] | None]] = {}

    def levels_of(name: str, version: str) -> dict[str, LevelThreshold] | None:
        decided = store.decided_scores(name, version)
        reverted = sum(d.reverted for d in decided)
        if len(decided) < min_decided or reverted < min_reverted:
            return None
        found = level_thresholds_from_scores(
            [int(d.reverted) for d in decided], [d.probability for d in decided]
        )
        return {level.level: level for level in found}

    def observed(name: str, version: str, level: str) -> LevelThreshold | None:
        now = time.monotonic()
        held = computed.get((name, version))
        if held is None or now - held[0] > max_age_s:
            held = computed[(name, version)] = (now, levels_of(name, version))
        return None if held[1] is None else held[1][level]

    return observed
