"""Which edit facts the final classifier reads, and in what order: shared by training and serving.

Training reads `EditFacts` out of CSV rows, serving computes them from an EditContext; both then
go through `text_features` and `feature_frame`, so names and order cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from revertrisk_service.edits.edit_types import EDIT_TYPE_COLUMNS
from revertrisk_service.edits.facts import EditFacts
from revertrisk_service.edits.signals import (
    CHARACTERS,
    COMMENT,
    LANGUAGE_ID,
    WORD_PRIORS,
    edit_signals,
    signal_columns,
    signals_in,
)
from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.edits.user import FLAGGED_GROUPS, INTERFACE_TAGS, flagged_groups
from revertrisk_service.models.multilingual.text_classifiers import (
    TEXT_SCORE_FEATURES,
    TextClassifier,
    pool_scores,
)

DEFAULT_MAX_TEXTS_PER_REVISION = 32

USER_FEATURES = ("is_anonymous", *(f"is_{group}" for group in FLAGGED_GROUPS))
# How many texts of each kind the edit had before the per-revision cap was applied.
TEXT_COUNT_FEATURES = ("n_insert_texts", "n_remove_texts", "n_change_texts")
WIKI_FEATURE = "wiki_db"

BASE_FEATURES: tuple[str, ...] = (
    *EDIT_TYPE_COLUMNS,
    *TEXT_COUNT_FEATURES,
    "revision_text_bytes_diff",
    *INTERFACE_TAGS,
    *USER_FEATURES,
    WIKI_FEATURE,
)
CATEGORICAL_FEATURES = (WIKI_FEATURE,)

# Every feature this code can compute, by group: the ablations compare the groups, and a model's
# manifest lists the features it was trained on (a subset, in this order).
USER = "user"
EDIT_STRUCTURE = "edit structure"
TEXT_MODELS = "text models"
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    USER: USER_FEATURES,
    EDIT_STRUCTURE: (*EDIT_TYPE_COLUMNS, *TEXT_COUNT_FEATURES, "revision_text_bytes_diff",
                     *INTERFACE_TAGS, WIKI_FEATURE),
    COMMENT: signals_in(COMMENT),
    CHARACTERS: signals_in(CHARACTERS),
    WORD_PRIORS: signals_in(WORD_PRIORS),
    LANGUAGE_ID: signals_in(LANGUAGE_ID),
    TEXT_MODELS: TEXT_SCORE_FEATURES,
}  # fmt: skip
SIGNAL_FEATURES: frozenset[str] = frozenset(
    name for group in (COMMENT, CHARACTERS, WORD_PRIORS, LANGUAGE_ID) for name in FEATURE_GROUPS[group]
)


def features_of(groups: Sequence[str]) -> tuple[str, ...]:
    """The features of these groups in catalogue order, the categorical wiki last (as before)."""
    names = [n for g in FEATURE_GROUPS if g in groups for n in FEATURE_GROUPS[g] if n != WIKI_FEATURE]
    return (*names, WIKI_FEATURE) if EDIT_STRUCTURE in groups else tuple(names)


ALL_FEATURES: tuple[str, ...] = features_of(tuple(FEATURE_GROUPS))
# The published design: edit structure and user plus the four text classifiers.
FEATURE_NAMES: tuple[str, ...] = (*BASE_FEATURES[:-1], *TEXT_SCORE_FEATURES, WIKI_FEATURE)


def uses_text_models(feature_names: Sequence[str]) -> bool:
    return any(name in TEXT_SCORE_FEATURES for name in feature_names)


def edit_texts(facts: EditFacts) -> EditTexts:
    """The facts' texts; none when the edit was too large to parse (the title is always known)."""
    if facts.texts is not None:
        return facts.texts
    return EditTexts(title=(facts.page_title or "").replace("_", " "))


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


def _count(edit_types: Mapping[str, int] | None, column: str) -> float:
    return math.nan if edit_types is None else int(edit_types.get(column, 0))


def feature_frame(
    inputs: Sequence[EditFacts],
    text_scores: Mapping[str, np.ndarray] | None,
    feature_names: Sequence[str] = FEATURE_NAMES,
) -> pd.DataFrame:
    """The final classifier's input, columns in `feature_names` order."""
    # Unknown edit types (an edit too large to parse) are NaN, which CatBoost treats as missing.
    columns: dict[str, list | np.ndarray] = {
        name: [_count(r.edit_types, name) for r in inputs] for name in EDIT_TYPE_COLUMNS
    }
    texts = [edit_texts(r) for r in inputs]
    columns["n_insert_texts"] = [len(t.inserts) for t in texts]
    columns["n_remove_texts"] = [len(t.removes) for t in texts]
    columns["n_change_texts"] = [len(t.changes) for t in texts]
    columns["revision_text_bytes_diff"] = [r.bytes_diff for r in inputs]
    for flag in INTERFACE_TAGS:
        columns[flag] = [int(bool(getattr(r, flag))) for r in inputs]
    columns["is_anonymous"] = [int(bool(r.user_is_anonymous)) for r in inputs]
    groups = [flagged_groups(r.user_groups or ()) for r in inputs]
    for group in FLAGGED_GROUPS:
        columns[f"is_{group}"] = [int(group in g) for g in groups]
    columns[WIKI_FEATURE] = [r.wiki_db for r in inputs]
    wanted_signals = [name for name in feature_names if name in SIGNAL_FEATURES]
    if wanted_signals:
        columns.update(signal_columns([edit_signals(r) for r in inputs], wanted_signals))
    if text_scores is not None:
        columns.update(text_scores)
    missing = [name for name in feature_names if name not in columns]
    if missing:
        raise ValueError(f"features not computed: {missing[:5]}")
    return pd.DataFrame({name: columns[name] for name in feature_names})
