"""The ordered feature list of the language-agnostic model: a function of `EditFacts` each.

Order is part of the model artifact (its manifest lists the names); append, never reorder.
Every feature is a float and NaN when the facts needed are unknown, which XGBoost treats as
missing, so one list serves both the text-less training data and live revisions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from revertrisk_service.edits.facts import EditFacts
from revertrisk_service.edits.sections import changed_sections, too_large_to_parse
from revertrisk_service.edits.wikitext import STAT_NAMES, WikitextStats, wikitext_stats

NAN = math.nan

# The 22 node/text types mwedittypes reports, and the actions its simple differ counts.
EDIT_ACTION_TYPES: tuple[str, ...] = (
    "Argument", "Category", "Comment", "ExternalLink", "Gallery", "HTMLEntity", "Heading",
    "List", "Media", "Paragraph", "Punctuation", "Reference", "Section", "Sentence", "Table",
    "Table Element", "Template", "Text", "Text Formatting", "Whitespace", "Wikilink", "Word",
)  # fmt: skip
EDIT_ACTIONS: tuple[str, ...] = ("insert", "remove", "change")

# Groups as the Data Lake flags them (the offline data has exactly these); serving uses the
# same names, so only these groups are ever looked at.
ADMIN_GROUPS = frozenset({"sysop", "bureaucrat", "interface-admin"})
REVIEWER_GROUPS = frozenset({
    "editor", "trusted", "autoreview", "autoreviewer", "autopatrolled", "patroller",
    "rollbacker", "reviewer",
})  # fmt: skip
OTHER_FLAGGED_GROUPS = frozenset({
    "extendedconfirmed", "templateeditor", "uploader", "ipblock-exempt", "suppressredirect",
})  # fmt: skip
KNOWN_GROUPS = ADMIN_GROUPS | REVIEWER_GROUPS | OTHER_FLAGGED_GROUPS

# "/* Section */" is MediaWiki's automatic summary when editing one section.
_SECTION_AUTOSUMMARY = re.compile(r"/\*.*?\*/")
# Words that mark a revert or undo in edit summaries, in a few large Wikipedias' languages
# (MediaWiki's default undo/rollback summaries and common abbreviations).
_REVERT_WORDS = re.compile(
    r"\b(?:revert\w*|rv|rvv|undid|undo\w*|rollback|annul\w*|rückgängig|zurückgesetzt|"
    r"revertid\w*|desfe\w*|откат\w*|отмен\w*|ripristin\w*)\b|取り消し|差し戻し|回退|撤销|還原|回復|"
    r"رجوع|استرجاع|되돌림",
    re.IGNORECASE,
)


def _flag(value: bool | None) -> float:
    return NAN if value is None else float(value)


def _number(value: float | None) -> float:
    return NAN if value is None else float(value)


def _days(seconds: float | None) -> float:
    return NAN if seconds is None else seconds / 86_400.0


class _Prepared:
    """Facts plus the derived values several features share, each computed at most once."""

    def __init__(self, facts: EditFacts) -> None:
        self.facts = facts

    @cached_property
    def wikitext_delta(self) -> WikitextStats | None:
        """Structure counts of the current minus the parent revision, over changed sections."""
        parent, current = self.facts.parent_wikitext, self.facts.current_wikitext
        if parent is None or current is None:
            return None
        parent_part, current_part = changed_sections(parent, current)
        if too_large_to_parse(parent_part, current_part):
            return None
        lang = self.facts.lang or "en"
        return wikitext_stats(current_part, lang).minus(wikitext_stats(parent_part, lang))

    @cached_property
    def known_groups(self) -> frozenset[str] | None:
        groups = self.facts.user_groups
        return None if groups is None else groups & KNOWN_GROUPS


@dataclass(frozen=True)
class Feature:
    name: str
    description: str
    compute: Callable[[_Prepared], float]


def _groups_feature(name: str, groups: frozenset[str], description: str) -> Feature:
    def compute(p: _Prepared) -> float:
        known = p.known_groups
        return NAN if known is None else float(bool(known & groups))

    return Feature(name, description, compute)


def _comment_feature(name: str, description: str, fn: Callable[[str], float]) -> Feature:
    def compute(p: _Prepared) -> float:
        return NAN if p.facts.comment is None else fn(p.facts.comment)

    return Feature(name, description, compute)


def _uppercase_ratio(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    cased = [c for c in letters if c.isupper() or c.islower()]
    return sum(c.isupper() for c in cased) / len(cased) if cased else 0.0


def _action_feature(action: str, node_type: str) -> Feature:
    key = f"{action}_{node_type}"

    def compute(p: _Prepared) -> float:
        actions = p.facts.edit_actions
        return NAN if actions is None else float(actions.get(key, 0))

    name = "actions_" + key.replace(" ", "_").lower()
    return Feature(name, f"mwedittypes count of '{node_type}' {action}s.", compute)


def _total_actions(p: _Prepared) -> float:
    actions = p.facts.edit_actions
    return NAN if actions is None else float(sum(actions.values()))


def _wikitext_delta_feature(stat: str) -> Feature:
    def compute(p: _Prepared) -> float:
        delta = p.wikitext_delta
        return NAN if delta is None else float(getattr(delta, stat))

    return Feature(
        f"wikitext_delta_{stat}",
        f"Change in '{stat}' (mwparserfromhell count) from parent to revision, changed sections.",
        compute,
    )


def _text_length(text: str | None) -> float:
    return NAN if text is None else float(len(text))


FEATURES: tuple[Feature, ...] = (
    # --- editor
    Feature("user_is_anonymous", "IP editor or temporary account.",
            lambda p: _flag(p.facts.user_is_anonymous)),
    Feature("user_is_temporary", "Temporary account.", lambda p: _flag(p.facts.user_is_temporary)),
    Feature("user_age_days", "Account age at edit time, days.",
            lambda p: _days(p.facts.user_age_seconds)),
    Feature("user_log_editcount", "log1p of the editor's edit count.",
            lambda p: NAN if p.facts.user_editcount is None else math.log1p(p.facts.user_editcount)),
    _groups_feature("user_is_admin", ADMIN_GROUPS, "Editor is sysop/bureaucrat/interface-admin."),
    _groups_feature("user_is_reviewer", REVIEWER_GROUPS,
                    "Editor holds a patrolling/reviewing/autopatrol group."),
    _groups_feature("user_is_extendedconfirmed", frozenset({"extendedconfirmed"}),
                    "Editor is extended-confirmed."),
    Feature("user_known_group_count", "How many of the Data Lake's 16 flagged groups the editor has.",
            lambda p: NAN if p.known_groups is None else float(len(p.known_groups))),
    # --- revision
    Feature("bytes_diff", "Revision size minus parent size, bytes.",
            lambda p: _number(p.facts.bytes_diff)),
    Feature("is_minor", "Marked as a minor edit.", lambda p: _flag(p.facts.is_minor)),
    Feature("is_mobile_edit", "Tagged 'mobile edit'.", lambda p: _flag(p.facts.is_mobile_edit)),
    Feature("is_mobile_web_edit", "Tagged 'mobile web edit'.",
            lambda p: _flag(p.facts.is_mobile_web_edit)),
    Feature("is_mobile_app_edit", "Tagged 'mobile app edit'.",
            lambda p: _flag(p.facts.is_mobile_app_edit)),
    Feature("is_visualeditor", "Tagged 'visualeditor'.", lambda p: _flag(p.facts.is_visualeditor)),
    Feature("is_wikieditor", "Tagged 'wikieditor'.", lambda p: _flag(p.facts.is_wikieditor)),
    _comment_feature("comment_length", "Edit summary length, characters.", lambda c: float(len(c))),
    _comment_feature("comment_is_empty", "No edit summary.", lambda c: float(not c.strip())),
    _comment_feature("comment_has_section_autosummary", "Summary has a '/* section */' marker.",
                     lambda c: float(bool(_SECTION_AUTOSUMMARY.search(c)))),
    _comment_feature("comment_is_only_section_autosummary",
                     "Summary is nothing but the '/* section */' marker.",
                     lambda c: float(bool(c.strip()) and not _SECTION_AUTOSUMMARY.sub("", c).strip())),
    _comment_feature("comment_mentions_revert", "Summary has a revert/undo word (several languages).",
                     lambda c: float(bool(_REVERT_WORDS.search(c)))),
    _comment_feature("comment_has_wikilink", "Summary contains a [[wikilink]].",
                     lambda c: float("[[" in c)),
    _comment_feature("comment_uppercase_ratio", "Share of upper-case letters among cased letters.",
                     _uppercase_ratio),
    Feature("seconds_since_parent_revision", "Time since the page's previous revision, seconds.",
            lambda p: _number(p.facts.seconds_since_parent_revision)),
    Feature("page_age_days", "Page age at edit time, days.",
            lambda p: _days(p.facts.page_age_seconds)),
    # --- structure of the change (mwedittypes)
    Feature("actions_total", "Sum of all mwedittypes action counts.", _total_actions),
    *(_action_feature(a, t) for t in EDIT_ACTION_TYPES for a in EDIT_ACTIONS),
    # --- wikitext (needs the revision texts; the offline training data has none)
    Feature("current_wikitext_chars", "Revision wikitext length, characters.",
            lambda p: _text_length(p.facts.current_wikitext)),
    Feature("parent_wikitext_chars", "Parent wikitext length, characters.",
            lambda p: _text_length(p.facts.parent_wikitext)),
    *(_wikitext_delta_feature(s) for s in STAT_NAMES),
)  # fmt: skip

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


def feature_vector(facts: EditFacts) -> list[float]:
    prepared = _Prepared(facts)
    return [feature.compute(prepared) for feature in FEATURES]


def feature_matrix(facts: Sequence[EditFacts]) -> np.ndarray:
    """One row per edit, columns in FEATURES order, float32 as XGBoost uses internally."""
    matrix = np.full((len(facts), len(FEATURES)), np.nan, dtype=np.float32)
    for row, one in enumerate(facts):
        matrix[row] = feature_vector(one)
    return matrix
