"""The one definition of the final classifier's features, shared by training and serving.

Training builds `RevisionInputs` from CSV rows, serving from an EditContext; both then go
through `text_features` and `feature_frame`, so names and order cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from revertrisk_service.edits.edit_types import EDIT_TYPE_COLUMNS
from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.models.multilingual.text_classifiers import (
    TEXT_SCORE_FEATURES,
    TextClassifier,
    pool_scores,
)

DEFAULT_MAX_TEXTS_PER_REVISION = 32

# MediaWiki change tags -> the CSV's editor-interface flags.
INTERFACE_TAGS: dict[str, tuple[str, ...]] = {
    "is_mobile_edit": ("mobile edit",),
    "is_mobile_web_edit": ("mobile web edit",),
    "is_visualeditor": ("visualeditor", "visualeditor-wikitext", "visualeditor-switched"),
    "is_wikieditor": ("wikieditor",),
    "is_mobile_app_edit": ("mobile app edit",),
    "is_android_app_edit": ("android app edit",),
    "is_ios_app_edit": ("ios app edit",),
}
USER_GROUPS = (
    "editor", "trusted", "ipblock-exempt", "interface-admin", "sysop", "autoreview",
    "bureaucrat", "autopatrolled", "patroller", "rollbacker", "reviewer", "extendedconfirmed",
    "templateeditor", "uploader", "autoreviewer", "suppressredirect",
)  # fmt: skip
USER_FEATURES = ("is_anonymous", *(f"is_{group}" for group in USER_GROUPS))
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


@dataclass(frozen=True)
class RevisionInputs:
    """Everything the feature builder needs about one revision."""

    wiki_db: str
    edit_types: Mapping[str, int]
    texts: EditTexts
    bytes_diff: int
    tags: frozenset[str]
    is_anonymous: bool
    groups: frozenset[str]


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


def feature_frame(
    inputs: Sequence[RevisionInputs],
    text_scores: Mapping[str, np.ndarray] | None,
    feature_names: Sequence[str] = FEATURE_NAMES,
) -> pd.DataFrame:
    """The final classifier's input, columns in `feature_names` order."""
    columns: dict[str, list | np.ndarray] = {
        name: [int(r.edit_types.get(name, 0)) for r in inputs] for name in EDIT_TYPE_COLUMNS
    }
    columns["n_insert_texts"] = [len(r.texts.inserts) for r in inputs]
    columns["n_remove_texts"] = [len(r.texts.removes) for r in inputs]
    columns["n_change_texts"] = [len(r.texts.changes) for r in inputs]
    columns["revision_text_bytes_diff"] = [r.bytes_diff for r in inputs]
    for flag, tags in INTERFACE_TAGS.items():
        columns[flag] = [int(any(tag in r.tags for tag in tags)) for r in inputs]
    columns["is_anonymous"] = [int(r.is_anonymous) for r in inputs]
    for group in USER_GROUPS:
        columns[f"is_{group}"] = [int(group in r.groups) for r in inputs]
    columns[WIKI_FEATURE] = [r.wiki_db for r in inputs]
    if text_scores is not None:
        columns.update(text_scores)
    missing = [name for name in feature_names if name not in columns]
    if missing:
        raise ValueError(f"features not computed: {missing[:5]}")
    return pd.DataFrame({name: columns[name] for name in feature_names})
