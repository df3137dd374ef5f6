"""Signals of what the edit changed: mwedittypes counts, wikitext structure, sizes and timing."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from revertrisk_service.edits.edit_types import EDIT_CATEGORIES, EDIT_TYPE_COLUMNS
from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.edits.wikitext import STAT_NAMES, WikitextStats
from revertrisk_service.signals.core import Signal, alias, signal, unless_missing
from revertrisk_service.signals.facts import FACT_SIGNALS
from revertrisk_service.signals.groups import EDIT_DATA, EDIT_STRUCTURE

# The language-agnostic model was trained on these three of the counter's actions (no moves).
LA_EDIT_ACTIONS: tuple[str, ...] = ("insert", "remove", "change")
_DONE = {"change": "changed", "insert": "inserted", "move": "moved", "remove": "removed"}
_FACT = {s.name: s for s in FACT_SIGNALS}


def _count(column: str) -> Callable[[Mapping[str, int] | None], int | None]:
    return unless_missing(lambda counts: int(counts.get(column, 0)))


def _total_actions(counts: Mapping[str, int]) -> int:
    return sum(counts.get(f"{a}_{t}", 0) for t in EDIT_CATEGORIES for a in LA_EDIT_ACTIONS)


def _delta(stat: str) -> Callable[[WikitextStats | None], int | None]:
    return unless_missing(lambda delta: getattr(delta, stat))


def _edit_texts(texts: EditTexts | None, page_title: str | None) -> EditTexts:
    """The texts; none when the edit was too large to parse (the title is always known)."""
    if texts is not None:
        return texts
    return EditTexts(title=(page_title or "").replace("_", " "))


def _edit_type_count(action: str, category: str) -> Signal:
    return signal(f"{action}_{category}",
                  f"How many '{category}' elements the edit {_DONE[action]} (mwedittypes).",
                  EDIT_STRUCTURE, ["edit_types"], _count(f"{action}_{category}"), "count",
                  family="{action}_{Category}")  # fmt: skip


EDIT_TYPE_SIGNALS: tuple[Signal, ...] = tuple(
    _edit_type_count(*column.split("_", 1)) for column in EDIT_TYPE_COLUMNS
)
_BY_COLUMN = {s.name: s for s in EDIT_TYPE_SIGNALS}

STRUCTURE_SIGNALS: tuple[Signal, ...] = (
    *EDIT_TYPE_SIGNALS,
    signal("actions_total", "Sum of all mwedittypes action counts.", EDIT_STRUCTURE,
           ["edit_types"], unless_missing(_total_actions), "count"),
    # The language-agnostic artifact's names for the same counts.
    *(alias(f"actions_{action}_{category.replace(' ', '_').lower()}",
            _BY_COLUMN[f"{action}_{category}"], f"mwedittypes count of '{category}' {action}s.",
            family="actions_{action}_{category}")
      for category in EDIT_CATEGORIES for action in LA_EDIT_ACTIONS),
    alias("current_wikitext_chars", _FACT["current_chars"], "Revision wikitext length, characters.",
          group=EDIT_STRUCTURE),
    alias("parent_wikitext_chars", _FACT["parent_chars"], "Parent wikitext length, characters.",
          group=EDIT_STRUCTURE),
    *(signal(f"wikitext_delta_{stat}", f"Change in '{stat}' (mwparserfromhell count) from parent "
             "to revision, changed sections.", EDIT_STRUCTURE, ["wikitext_delta"], _delta(stat),
             "count", family="wikitext_delta_{stat}")
      for stat in STAT_NAMES),
    signal("page_age_days", "Page age at edit time, days.", EDIT_STRUCTURE, ["page_age_seconds"],
           unless_missing(lambda s: s / 86_400.0)),
    alias("revision_text_bytes_diff", _FACT["bytes_diff"]),
    # The texts the text classifiers read and the multilingual model counts.
    signal("edit_texts", "The edit's texts; only the title when it was too large to parse.",
           EDIT_DATA, ["texts", "page_title"], _edit_texts, "data"),
    signal("n_insert_texts", "How many sentences the edit inserted (before any cap).",
           EDIT_STRUCTURE, ["edit_texts"], lambda t: len(t.inserts), "count"),
    signal("n_remove_texts", "How many sentences the edit removed (before any cap).",
           EDIT_STRUCTURE, ["edit_texts"], lambda t: len(t.removes), "count"),
    signal("n_change_texts", "How many sentences the edit changed (before any cap).",
           EDIT_STRUCTURE, ["edit_texts"], lambda t: len(t.changes), "count"),
)  # fmt: skip
