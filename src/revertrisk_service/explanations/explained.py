"""An explained score as the scoring processes hand it back: light enough to import anywhere (the
serving process never imports the boosting libraries for it)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Explained:
    """One edit's probability (exactly as `score` returns it) and its explanation in stored form:
    `values` and `contributions` follow the model's feature order (the manifest's)."""

    probability: float
    explanation: dict[str, Any]


def stored_explanation(
    base_value: float, values: list[Any], contributions: np.ndarray
) -> dict[str, Any]:
    return {
        "base_value": float(base_value),
        "values": [_json_value(v) for v in values],
        "contributions": [float(c) for c in contributions],
    }


def _json_value(value: Any) -> float | int | str | None:
    """A feature value as JSON can carry it: a missing value (NaN) becomes null."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    number = float(value)
    return None if math.isnan(number) else number
