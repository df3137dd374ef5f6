"""Saving threshold tables computed from held-out predictions (offline). The table, its
computation from scores and its loading live in transparency.threshold_table, which the server
reads and which also computes tables from observed outcomes."""

from __future__ import annotations

import json
from pathlib import Path

from revertrisk_service.locations import THRESHOLDS_FILENAME
from revertrisk_service.transparency.threshold_table import (
    STEP,
    ThresholdTable,
    compute_threshold_table,
    threshold_grid,
)

__all__ = ["STEP", "compute_threshold_table", "save_threshold_table", "threshold_grid"]


def save_threshold_table(table: ThresholdTable, model_dir: Path) -> Path:
    path = Path(model_dir) / THRESHOLDS_FILENAME
    path.write_text(
        json.dumps(table.to_json_dict(), separators=(",", ":")) + "\n", encoding="utf-8"
    )
    return path
