"""The feedback export's edits as training rows: a fetched edit's values of the training row's
signals (training.contract), solved by the shared signal declarations from the same EditContext
root as serving, so a judged edit's columns are the values the models read, under their declared
names."""

from __future__ import annotations

import math
from typing import Any

from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.signals import edit_signals
from revertrisk_service.training.contract import training_row_signals


def computable_signals() -> frozenset[str]:
    """Every signal this export fills: the training row's signals, all of which a fetched edit
    knows."""
    return frozenset(training_row_signals())


def signal_values(context: EditContext) -> dict[str, Any]:
    """Signal name -> raw value for one edit; None where it is unknown (never a guess)."""
    values = edit_signals(context, sorted(computable_signals()))
    return {
        name: None if isinstance(value, float) and math.isnan(value) else value
        for name, value in values.items()
    }
