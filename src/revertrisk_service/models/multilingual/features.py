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
# The full model: base features plus the pooled text-classifier outputs.
FEATURE_NAMES: tuple[str, ...] = (*BASE_FEATURES[:-1], *TEXT_SCORE_FEATURES, WIKI_FEATURE)
CATEGORICAL_FEATURES = (WIKI_FEATURE,)


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
    if text_scores is not None:
        columns.update(text_scores)
    missing = [name for name in feature_names if name not in columns]
    if missing:
        raise ValueError(f"features not computed: {missing[:5]}")
    return pd.DataFrame({name: columns[name] for name in feature_names})
