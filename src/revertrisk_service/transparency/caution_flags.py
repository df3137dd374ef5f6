"""Caution levels in a predict answer, when asked (`"caution_levels": true` in the body): for each
level, whether this score is at or above the scoring version's own threshold for it (null where
no threshold reaches the level). A client that acts on "cautious" then keeps acting on the same
precision whichever version answered.

    {"output": {"prediction": true, "probabilities": {...},
                "caution_levels": {"very-cautious": null, "cautious": true, "balanced": true,
                                   "loose": true}}}

The thresholds are those `GET /v1/models/<name>/thresholds?level=` answers for that version
(transparency.version_levels): its evaluation, or its observed outcomes once enough are decided.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from revertrisk_service.errors import InvalidCautionLevel
from revertrisk_service.locations import THRESHOLDS_FILENAME
from revertrisk_service.transparency.caution_levels import LEVEL_NAMES
from revertrisk_service.transparency.threshold_table import ThresholdTable
from revertrisk_service.transparency.version_levels import ObservedLevel, level_answer

FIELD = "caution_levels"

# (model name, version) -> that version's artifact directory, or None when it is not at hand.
VersionDir = Callable[[str, str], Path | None]


def caution_requested(body: object) -> bool:
    """Whether the request asks for caution-level flags; a bad value is a 400."""
    if not isinstance(body, dict) or FIELD not in body:
        return False
    value = body[FIELD]
    if not isinstance(value, bool):
        raise InvalidCautionLevel(
            f"'{FIELD}' must be true or false, got {type(value).__name__} {str(value)[:40]!r}.",
            field=FIELD,
        )
    return value


class CautionFlags:
    def __init__(self, version_dir: VersionDir, observed: ObservedLevel | None = None) -> None:
        self.version_dir = version_dir
        self.observed = observed
        self._tables: dict[Path, ThresholdTable] = {}

    def thresholds(self, name: str, version: str) -> dict[str, float | None] | None:
        directory = self.version_dir(name, version)
        if directory is None:
            return None
        table = self._tables.get(directory)
        if table is None:
            path = directory / THRESHOLDS_FILENAME
            if not path.is_file():
                return None
            table = ThresholdTable.from_json_dict(json.loads(path.read_text(encoding="utf-8")))
            self._tables[directory] = table
        return {
            level: level_answer(name, version, level, table, self.observed)["threshold"]
            for level in LEVEL_NAMES
        }

    def flagged(self, result: Mapping[str, Any]) -> dict[str, Any]:
        """`result` with its output's caution-level flags (a copy; the cached body is shared)."""
        output = result.get("output")
        if not isinstance(output, dict):
            return dict(result)
        thresholds = self.thresholds(str(result["model_name"]), str(result["model_version"]))
        probability = output.get("probabilities", {}).get("true")
        flags = {
            level: None if thresholds is None or thresholds[level] is None or probability is None
            else probability >= thresholds[level]
            for level in LEVEL_NAMES
        }
        return {**result, "output": {**output, FIELD: flags}}
