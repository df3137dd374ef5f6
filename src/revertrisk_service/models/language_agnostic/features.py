"""The ordered feature list of the language-agnostic model: a function of `EditFacts` each.

Order is part of the model artifact (its manifest lists the names); append, never reorder.
Every feature is a float and NaN when the facts needed are unknown, which XGBoost treats as
missing, so one list serves both the text-less training data and live revisions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from revertrisk_service.edits import comment as summary
from revertrisk_service.edits.edit_types import EDIT_CATEGORIES
from revertrisk_service.edits.facts import EditFacts
from revertrisk_service.edits.signals import COMMENT
from revertrisk_service.edits.user import ADMIN_GROUPS, REVIEWER_GROUPS, flagged_groups
from revertrisk_service.edits.wikitext import STAT_NAMES

NAN = math.nan

# This model was trained on these three of the counter's actions (no moves).
EDIT_ACTIONS: tuple[str, ...] = ("insert", "remove", "change")


def _flag(value: bool | None) -> float:
    return NAN if value is None else float(value)


def _number(value: float | None) -> float:
    return NAN if value is None else float(value)


def _days(seconds: float | None) -> float:
    return NAN if seconds is None else seconds / 86_400.0


@dataclass(frozen=True)
class Feature:
    name: str
    description: str
    compute: Callable[[EditFacts], float]


def _groups_feature(name: str, groups: frozenset[str], description: str) -> Feature:
    def compute(f: EditFacts) -> float:
        return NAN if f.user_groups is None else float(bool(flagged_groups(f.user_groups) & groups))

    return Feature(name, description, compute)


def _comment_feature(name: str, description: str, fn: Callable[[str], float]) -> Feature:
    def compute(f: EditFacts) -> float:
        return NAN if f.comment is None else fn(f.comment)

    return Feature(name, description, compute)


def _action_feature(action: str, node_type: str) -> Feature:
    key = f"{action}_{node_type}"

    def compute(f: EditFacts) -> float:
        return NAN if f.edit_types is None else float(f.edit_types.get(key, 0))

    name = "actions_" + key.replace(" ", "_").lower()
    return Feature(name, f"mwedittypes count of '{node_type}' {action}s.", compute)


def _total_actions(f: EditFacts) -> float:
    if f.edit_types is None:
        return NAN
    return float(sum(f.edit_types.get(f"{a}_{t}", 0) for t in EDIT_CATEGORIES for a in EDIT_ACTIONS))


def _wikitext_delta_feature(stat: str) -> Feature:
    def compute(f: EditFacts) -> float:
        return NAN if f.wikitext_delta is None else float(getattr(f.wikitext_delta, stat))

    return Feature(
        f"wikitext_delta_{stat}",
        f"Change in '{stat}' (mwparserfromhell count) from parent to revision, changed sections.",
        compute,
    )


FEATURES: tuple[Feature, ...] = (
    # --- editor
    Feature("user_is_anonymous", "IP editor or temporary account.",
            lambda f: _flag(f.user_is_anonymous)),
    Feature("user_is_temporary", "Temporary account.", lambda f: _flag(f.user_is_temporary)),
    Feature("user_age_days", "Account age at edit time, days.",
            lambda f: _days(f.user_age_seconds)),
    Feature("user_log_editcount", "log1p of the editor's edit count.",
            lambda f: NAN if f.user_editcount is None else math.log1p(f.user_editcount)),
    _groups_feature("user_is_admin", ADMIN_GROUPS, "Editor is sysop/bureaucrat/interface-admin."),
    _groups_feature("user_is_reviewer", REVIEWER_GROUPS,
                    "Editor holds a patrolling/reviewing/autopatrol group."),
    _groups_feature("user_is_extendedconfirmed", frozenset({"extendedconfirmed"}),
                    "Editor is extended-confirmed."),
    Feature("user_known_group_count", "How many of the Data Lake's 16 flagged groups the editor has.",
            lambda f: NAN if f.user_groups is None else float(len(flagged_groups(f.user_groups)))),
    # --- revision
    Feature("bytes_diff", "Revision size minus parent size, bytes.",
            lambda f: _number(f.bytes_diff)),
    Feature("is_minor", "Marked as a minor edit.", lambda f: _flag(f.is_minor)),
    Feature("is_mobile_edit", "Tagged 'mobile edit'.", lambda f: _flag(f.is_mobile_edit)),
    Feature("is_mobile_web_edit", "Tagged 'mobile web edit'.",
            lambda f: _flag(f.is_mobile_web_edit)),
    Feature("is_mobile_app_edit", "Tagged 'mobile app edit'.",
            lambda f: _flag(f.is_mobile_app_edit)),
    Feature("is_visualeditor", "Tagged 'visualeditor'.", lambda f: _flag(f.is_visualeditor)),
    Feature("is_wikieditor", "Tagged 'wikieditor'.", lambda f: _flag(f.is_wikieditor)),
    _comment_feature("comment_length", "Edit summary length, characters.", lambda c: float(len(c))),
    _comment_feature("comment_is_empty", "No edit summary.", lambda c: float(summary.is_empty(c))),
    _comment_feature("comment_has_section_autosummary", "Summary has a '/* section */' marker.",
                     lambda c: float(summary.has_section_autosummary(c))),
    _comment_feature("comment_is_only_section_autosummary",
                     "Summary is nothing but the '/* section */' marker.",
                     lambda c: float(summary.is_only_section_autosummary(c))),
    _comment_feature("comment_mentions_revert", "Summary has a revert/undo word (several languages).",
                     lambda c: float(summary.mentions_revert(c))),
    _comment_feature("comment_has_wikilink", "Summary contains a [[wikilink]].",
                     lambda c: float(summary.has_wikilink(c))),
    _comment_feature("comment_uppercase_ratio", "Share of upper-case letters among cased letters.",
                     summary.uppercase_ratio),
    Feature("seconds_since_parent_revision", "Time since the page's previous revision, seconds.",
            lambda f: _number(f.seconds_since_parent_revision)),
    Feature("page_age_days", "Page age at edit time, days.",
            lambda f: _days(f.page_age_seconds)),
    # --- structure of the change (mwedittypes)
    Feature("actions_total", "Sum of all mwedittypes action counts.", _total_actions),
    *(_action_feature(a, t) for t in EDIT_CATEGORIES for a in EDIT_ACTIONS),
    # --- wikitext (needs the revision texts; the offline training data has none)
    Feature("current_wikitext_chars", "Revision wikitext length, characters.",
            lambda f: _number(f.current_chars)),
    Feature("parent_wikitext_chars", "Parent wikitext length, characters.",
            lambda f: _number(f.parent_chars)),
    *(_wikitext_delta_feature(s) for s in STAT_NAMES),
)  # fmt: skip

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)

# Feature groups for the ablations (evaluation.ablation_runs). The shipped list is all of
# FEATURES: the candidate groups of edits.signals did not beat the noise (EVALUATION.md).
USER = "user"
EDIT_STRUCTURE = "edit structure"
SHIPPED_GROUPS: tuple[str, ...] = (USER, EDIT_STRUCTURE, COMMENT)


def feature_group(name: str) -> str:
    if name.startswith("user_"):
        return USER
    if name.startswith("comment_"):
        return COMMENT
    return EDIT_STRUCTURE


def feature_vector(facts: EditFacts) -> list[float]:
    return [feature.compute(facts) for feature in FEATURES]


def feature_matrix(facts: Sequence[EditFacts]) -> np.ndarray:
    """One row per edit, columns in FEATURES order, float32 as XGBoost uses internally."""
    matrix = np.full((len(facts), len(FEATURES)), np.nan, dtype=np.float32)
    for row, one in enumerate(facts):
        matrix[row] = feature_vector(one)
    return matrix
