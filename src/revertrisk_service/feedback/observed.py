"""Precision observed in use: of the judged edits a preset would have flagged, the share that
patrollers judged "damaging", with a 95% Wilson score interval and the number of judgments
behind it, over all wikis and per wiki.

Patrollers choose what they open, so the judged edits are not a random sample of the edits a
preset flags; these figures describe what was judged, and the caveat travels with them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from revertrisk_service.feedback.store import ObservedCounts, Tally
from revertrisk_service.transparency.presets import PRESETS

CONFIDENCE = 0.95
_Z = 1.959963984540054  # the standard normal quantile for 95%
CAVEAT = (
    "Patrollers judge the edits they choose to open, not a random sample: these figures describe "
    "the judged edits and may differ from the model's precision on all edits. Only judgments "
    "sent with this model's name and the score shown are placed at a threshold; each reviewer's "
    "latest judgment of a revision counts once."
)


def wilson_interval(successes: int, n: int) -> list[float] | None:
    """The 95% Wilson score interval of a proportion, None without data.

    Written out rather than taken from scipy (binomtest(...).proportion_ci(method="wilson"), which
    the test compares it with): the server never imports the offline statistics libraries
    (tests/serving/test_no_offline_imports.py)."""
    if n == 0:
        return None
    p = successes / n
    z2 = _Z * _Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = _Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return [round(max(0.0, centre - half), 6), round(min(1.0, centre + half), 6)]


def precision_figure(tally: Tally) -> dict[str, Any]:
    return {
        "n": tally.n,
        "damaging": tally.damaging,
        "precision": round(tally.damaging / tally.n, 6) if tally.n else None,
        "interval_95": wilson_interval(tally.damaging, tally.n),
    }


def observed_in_use(
    model_name: str,
    model_version: str | None,
    counts: ObservedCounts,
    thresholds: Mapping[str, float | None],
) -> dict[str, Any]:
    presets = []
    for preset, query in PRESETS.items():
        threshold = thresholds.get(preset)
        total, per_wiki = counts.flagged.get(preset, (Tally(), {}))
        presets.append({
            "name": preset,
            "query": query,
            "threshold": threshold,
            **precision_figure(total),
            "per_wiki": {wiki: precision_figure(t) for wiki, t in sorted(per_wiki.items())},
        })
    return {
        "model_name": model_name,
        "model_version": model_version,
        "judgments": {
            "total": sum(counts.by_judgment.values()),
            **counts.by_judgment,
            "with_score": counts.with_score,
            "per_wiki": dict(sorted(counts.by_wiki.items())),
        },
        "presets": presets,
        "confidence": CONFIDENCE,
        "caveat": CAVEAT,
    }
