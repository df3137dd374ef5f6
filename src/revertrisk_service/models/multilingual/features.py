"""Which signals the multilingual model reads, by group, and how its CatBoost frame encodes them.

Each name is a signal declared once in revertrisk_service.signals; this module lists which ones
the model can read, in catalogue order (a manifest lists the ones an artifact was trained on, a
subset, in this order), and computes the text-classifier scores, which the model runs itself.
Training and serving both go through `feature_frame`, so names, order and encoding cannot drift.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.models.multilingual.text_classifiers import TextClassifier, pool_scores
from revertrisk_service.signals import CATALOGUE, SignalValues, model_inputs, solve
from revertrisk_service.signals.editor import GROUP_FLAG_FAMILY
from revertrisk_service.signals.facts import INTERFACE_FLAG_FAMILY
from revertrisk_service.signals.groups import (
    CHARACTERS,
    COMMENT,
    EDIT_STRUCTURE,
    LANGUAGE_ID,
    TEXT_MODELS,
    USER,
    WORD_PRIORS,
)
from revertrisk_service.signals.structure import EDIT_TYPE_FAMILY
from revertrisk_service.signals.text_models import TEXT_SCORE_FEATURES

DEFAULT_MAX_TEXTS_PER_REVISION = 32

EDIT_TYPE_FEATURES = CATALOGUE.names(family=EDIT_TYPE_FAMILY)
INTERFACE_FEATURES = CATALOGUE.names(family=INTERFACE_FLAG_FAMILY)
USER_FEATURES = ("is_anonymous", *CATALOGUE.names(family=GROUP_FLAG_FAMILY))
# How many texts of each kind the edit had before the per-revision cap was applied.
TEXT_COUNT_FEATURES = ("n_insert_texts", "n_remove_texts", "n_change_texts")
WIKI_FEATURE = "wiki_db"

BASE_FEATURES: tuple[str, ...] = (
    *EDIT_TYPE_FEATURES,
    *TEXT_COUNT_FEATURES,
    "revision_text_bytes_diff",
    *INTERFACE_FEATURES,
    *USER_FEATURES,
    WIKI_FEATURE,
)
CATEGORICAL_FEATURES = (WIKI_FEATURE,)
# The Data Lake's flag columns, which the artifact was trained with as 0 when not set (the CSV
# has no "unknown"): a missing flag is encoded 0 here too, every other missing value as NaN.
_ZERO_WHEN_MISSING = frozenset((*USER_FEATURES, *INTERFACE_FEATURES))
# The summary signals this model may read (the ablations' candidate summary group).
SUMMARY_FEATURES = ("comment_is_automatic", "comment_has_section_autosummary",
                    "comment_mentions_revert", "comment_written_chars", "comment_has_wikilink")

# Every feature this model can read, by group: the ablations compare the groups, and a model's
# manifest lists the features it was trained on (a subset, in this order).
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    USER: USER_FEATURES,
    EDIT_STRUCTURE: (*EDIT_TYPE_FEATURES, *TEXT_COUNT_FEATURES, "revision_text_bytes_diff",
                     *INTERFACE_FEATURES, WIKI_FEATURE),
    COMMENT: SUMMARY_FEATURES,
    CHARACTERS: CATALOGUE.in_group(CHARACTERS),
    WORD_PRIORS: CATALOGUE.in_group(WORD_PRIORS),
    LANGUAGE_ID: CATALOGUE.in_group(LANGUAGE_ID),
    TEXT_MODELS: TEXT_SCORE_FEATURES,
}  # fmt: skip


def features_of(groups: Sequence[str]) -> tuple[str, ...]:
    """The features of these groups in catalogue order, the categorical wiki last (as before)."""
    names = [n for g in FEATURE_GROUPS if g in groups for n in FEATURE_GROUPS[g] if n != WIKI_FEATURE]
    return (*names, WIKI_FEATURE) if EDIT_STRUCTURE in groups else tuple(names)


ALL_FEATURES: tuple[str, ...] = features_of(tuple(FEATURE_GROUPS))
# What ships, chosen by the ablations in EVALUATION.md: a group ships only when it beats the
# model without it by more than the noise (the trainer's SHIPPING_DECISION says why).
SHIPPED_GROUPS: tuple[str, ...] = (USER, EDIT_STRUCTURE)
# The published design: edit structure and user plus the four text classifiers.
FEATURE_NAMES: tuple[str, ...] = (*BASE_FEATURES[:-1], *TEXT_SCORE_FEATURES, WIKI_FEATURE)


def uses_text_models(feature_names: Sequence[str]) -> bool:
    return any(name in TEXT_SCORE_FEATURES for name in feature_names)


def signal_names(feature_names: Sequence[str]) -> tuple[str, ...]:
    """What the solver computes for these features (the texts, for the text classifiers)."""
    return model_inputs(feature_names)


def solved_inputs(
    givens: Sequence[Mapping[str, Any]], feature_names: Sequence[str]
) -> list[SignalValues]:
    """The solved inputs of edits whose facts are given (the training rows), with the texts the
    text classifiers are trained on."""
    names = (*signal_names(feature_names), "edit_texts")
    return [solve(names, g) for g in givens]


def cap_texts(texts: EditTexts, max_texts: int) -> EditTexts:
    """Keep the first `max_texts` texts of each kind, in diff order: a bound on the cost of one
    huge edit. How many there were in all stays visible through TEXT_COUNT_FEATURES."""
    return EditTexts(
        title=texts.title,
        inserts=texts.inserts[:max_texts],
        removes=texts.removes[:max_texts],
        changes=texts.changes[:max_texts],
    )


def text_features(
    classifiers: Mapping[str, TextClassifier],
    revisions: Sequence[EditTexts],
    max_texts_per_revision: int = DEFAULT_MAX_TEXTS_PER_REVISION,
) -> dict[str, np.ndarray]:
    """Run every classifier once over all texts of the batch and pool per revision."""
    capped = [cap_texts(texts, max_texts_per_revision) for texts in revisions]
    per_kind: dict[str, list] = {
        "title": [[t.title] for t in capped],
        "insert": [t.inserts for t in capped],
        "remove": [t.removes for t in capped],
        "change": [t.changes for t in capped],
    }
    features: dict[str, np.ndarray] = {}
    for kind, texts_per_revision in per_kind.items():
        flat = [text for texts in texts_per_revision for text in texts]
        owners = [i for i, texts in enumerate(texts_per_revision) for _ in texts]
        logits = classifiers[kind].scores(flat)
        features.update(pool_scores(kind, logits, owners, len(revisions)))
    return features


def _encode(name: str, value: Any) -> Any:
    """One value as the artifact was trained on it (see _ZERO_WHEN_MISSING)."""
    if name in _ZERO_WHEN_MISSING:
        return int(bool(value))
    kind = CATALOGUE[name].kind
    if kind == "category":
        return value
    if value is None:
        return math.nan
    return int(value) if kind == "count" else float(value)


def feature_frame(
    inputs: Sequence[Mapping[str, Any]],
    text_scores: Mapping[str, np.ndarray] | None,
    feature_names: Sequence[str] = FEATURE_NAMES,
) -> pd.DataFrame:
    """The final classifier's input, columns in `feature_names` order, from solved values."""
    columns: dict[str, list | np.ndarray] = {}
    for name in feature_names:
        if CATALOGUE[name].source == "model":
            if text_scores is None or name not in text_scores:
                raise ValueError(f"features not computed: {name} (the text classifiers')")
            columns[name] = text_scores[name]
        else:
            columns[name] = [_encode(name, values[name]) for values in inputs]
    return pd.DataFrame(columns)
