"""The threshold presets patrolling tools choose from, as ORES-style threshold queries over a
model's saved statistics: the patrol page filters with them, and observed precision in use is
reported at each of them."""

from __future__ import annotations

from revertrisk_service.transparency.routes import ModelFiles
from revertrisk_service.transparency.threshold_query import answer_threshold_query

# The two uses ORES's RecentChanges filters were built on, as threshold queries.
PRESETS = {
    "high precision": "maximum recall @ precision >= 0.9",  # bot-like use: few false alarms
    "high recall": "maximum filter_rate @ recall >= 0.9",  # review queues: miss little
}


def preset_thresholds(model_files: ModelFiles) -> dict[str, float | None]:
    """Each preset's threshold for one model; None when the model has no statistics or no
    threshold meets the preset's condition."""
    loaded = model_files.thresholds()
    return {
        preset: (
            (answer_threshold_query(loaded[0], query) or {}).get("threshold") if loaded else None
        )
        for preset, query in PRESETS.items()
    }
