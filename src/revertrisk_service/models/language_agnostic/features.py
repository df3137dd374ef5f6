"""The language-agnostic model's features: signal names in artifact order, and their encoding.

Each name is a signal declared once in revertrisk_service.signals; this module only lists which
ones the model reads. Order is part of the model artifact (its manifest lists the names): append,
never reorder. Every value is encoded as a float32, NaN when missing (XGBoost's missing value),
so one list serves both the text-less training data and live revisions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from revertrisk_service.signals import CATALOGUE, SignalValues, solve
from revertrisk_service.signals.groups import COMMENT, EDIT_STRUCTURE, USER
from revertrisk_service.signals.structure import LA_EDIT_TYPE_FAMILY, WIKITEXT_DELTA_FAMILY

FEATURE_NAMES: tuple[str, ...] = (
    # --- editor
    "user_is_anonymous", "user_is_temporary", "user_age_days", "user_log_editcount",
    "user_is_admin", "user_is_reviewer", "user_is_extendedconfirmed", "user_known_group_count",
    # --- revision
    "bytes_diff", "is_minor", "is_mobile_edit", "is_mobile_web_edit", "is_mobile_app_edit",
    "is_visualeditor", "is_wikieditor",
    "comment_length", "comment_is_empty", "comment_has_section_autosummary",
    "comment_is_only_section_autosummary", "comment_mentions_revert", "comment_has_wikilink",
    "comment_uppercase_ratio",
    "seconds_since_parent_revision", "page_age_days",
    # --- structure of the change (mwedittypes)
    "actions_total",
    *CATALOGUE.names(family=LA_EDIT_TYPE_FAMILY),
    # --- wikitext (needs the revision texts; the offline training data has none)
    "current_wikitext_chars", "parent_wikitext_chars",
    *CATALOGUE.names(family=WIKITEXT_DELTA_FAMILY),
)  # fmt: skip

# The groups of the ablations (evaluation.ablation_runs). The shipped list is all of
# FEATURE_NAMES: the candidate groups (characters, word priors, language ID) did not beat the
# noise (EVALUATION.md).
SHIPPED_GROUPS: tuple[str, ...] = (USER, EDIT_STRUCTURE, COMMENT)


def feature_group(name: str) -> str:
    return CATALOGUE[name].group


def feature_vector(values: Mapping[str, Any], names: Sequence[str] = FEATURE_NAMES) -> list[float]:
    """One edit's solved values as the booster reads them: floats, NaN when missing."""
    return [np.nan if values[n] is None else float(values[n]) for n in names]


def feature_matrix(
    values: Sequence[Mapping[str, Any]], names: Sequence[str] = FEATURE_NAMES
) -> np.ndarray:
    """One row per edit, columns in `names` order, float32 as XGBoost uses internally."""
    matrix = np.full((len(values), len(names)), np.nan, dtype=np.float32)
    for row, one in enumerate(values):
        matrix[row] = feature_vector(one, names)
    return matrix


def solved_features(givens: Sequence[Mapping[str, Any]]) -> list[SignalValues]:
    """The features of edits whose facts are given (the training rows)."""
    return [solve(FEATURE_NAMES, g) for g in givens]
