"""The ONE place the feedback export turns a fetched edit into signal values: the shared signal
declarations (revertrisk_service.signals), solved from the same EditContext root as serving, so
a judged edit's columns are the values the models read, under their declared names."""

from __future__ import annotations

import math
from typing import Any

from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.language_agnostic import features as language_agnostic
from revertrisk_service.models.multilingual import features as multilingual
from revertrisk_service.signals import edit_signals


def computable_signals() -> frozenset[str]:
    """Every signal this export fills: both models' inputs, except the multilingual text
    classifiers' outputs (they need the models themselves, not only the edit) and the wiki,
    which is an identity column of the table."""
    names = set(language_agnostic.FEATURE_NAMES) | set(multilingual.BASE_FEATURES)
    return frozenset(names - {multilingual.WIKI_FEATURE})


def signal_values(context: EditContext) -> dict[str, Any]:
    """Signal name -> raw value for one edit; None where it is unknown (never a guess)."""
    values = edit_signals(context, sorted(computable_signals()))
    return {
        name: None if isinstance(value, float) and math.isnan(value) else value
        for name, value in values.items()
    }
