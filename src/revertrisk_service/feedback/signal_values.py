"""The ONE place the feedback export turns a fetched edit into signal values.

Today it goes through the existing edit layer: `facts_from_context` and each model's feature
functions. When the signal declarations (revertrisk_service.signals, SIGNALS-API.md) land, this
function becomes a call to their `solve(names, roots)`; nothing else in the export changes.
"""

from __future__ import annotations

import math
from typing import Any

from revertrisk_service.edits.facts import facts_from_context
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.language_agnostic import features as language_agnostic
from revertrisk_service.models.multilingual import features as multilingual


def computable_signals() -> frozenset[str]:
    """Every signal this adapter fills (the multilingual text-classifier outputs need the models
    themselves and are not signals of the edit alone)."""
    return frozenset(language_agnostic.FEATURE_NAMES) | frozenset(
        name for name in multilingual.BASE_FEATURES if name != multilingual.WIKI_FEATURE
    )


def signal_values(context: EditContext) -> dict[str, Any]:
    """Signal name -> value for one edit; None where the value is unknown (NaN in the models)."""
    facts = facts_from_context(context)
    names = [n for n in multilingual.BASE_FEATURES if n != multilingual.WIKI_FEATURE]
    frame = multilingual.feature_frame([facts], None, names)
    values: dict[str, Any] = {name: frame[name].iloc[0].item() for name in names}
    values.update(
        {feature.name: feature.compute(facts) for feature in language_agnostic.FEATURES}
    )
    return {
        name: None if isinstance(value, float) and math.isnan(value) else value
        for name, value in values.items()
    }
