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
_FACT = {s.name: s for s in FACT_SIGNALS}

# The families declared below, as `Catalogue.names(family=...)` finds them.
EDIT_TYPE_FAMILY = "{action}_{Category}"
LA_EDIT_TYPE_FAMILY = "actions_{action}_{category}"
WIKITEXT_DELTA_FAMILY = "wikitext_delta_{stat}"

# mwedittypes' node categories, as a patroller would name the things an edit touched.
CATEGORY_WORDS: dict[str, str] = {
    "Argument": "template parameters",
    "Category": "categories",
    "Comment": "hidden comments",
    "ExternalLink": "links to other websites",
    "Gallery": "image galleries",
    "HTMLEntity": "special-character codes (such as &nbsp;)",
    "Heading": "headings",
    "List": "lists",
    "Media": "images or other media",
    "Paragraph": "paragraphs",
    "Punctuation": "punctuation marks",
    "Reference": "references (citations)",
    "Section": "sections",
    "Sentence": "sentences",
    "Table": "tables",
    "Table Element": "table rows or cells",
    "Template": "templates",
    "Text": "pieces of text",
    "Text Formatting": "pieces of bold or italic formatting",
    "Whitespace": "spaces or blank lines",
    "Wikilink": "links to other wiki pages",
    "Word": "words",
}
_DONE = {"insert": "added", "remove": "removed", "change": "changed", "move": "moved"}
# The wikitext structure counts, as a patroller would name them ("chars" reads on its own).
STAT_WORDS: dict[str, str] = {
    "references": "references (citations)",
    "wikilinks": "links to other wiki pages",
    "external_links": "links to other websites",
    "categories": "categories",
    "media": "images or other media",
    "headings": "headings",
    "templates": "templates",
    "list_items": "list items",
    "tables": "tables",
    "quote_markup": "bold or italic markers",
}


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


def _edit_type_words(action: str, category: str) -> str:
    return f"How many {CATEGORY_WORDS[category]} the edit {_DONE[action]}."


def _delta_words(stat: str) -> str:
    if stat == "chars":
        return "How much longer the edited sections became, characters (negative: shorter)."
    return f"How many {STAT_WORDS[stat]} the edit added to its sections (negative: removed)."


def _edit_type_count(action: str, category: str) -> Signal:
    return signal(f"{action}_{category}", _edit_type_words(action, category), EDIT_STRUCTURE,
                  ["edit_types"], _count(f"{action}_{category}"), "count",
                  family=EDIT_TYPE_FAMILY)  # fmt: skip


EDIT_TYPE_SIGNALS: tuple[Signal, ...] = tuple(
    _edit_type_count(*column.split("_", 1)) for column in EDIT_TYPE_COLUMNS
)
_BY_COLUMN = {s.name: s for s in EDIT_TYPE_SIGNALS}

STRUCTURE_SIGNALS: tuple[Signal, ...] = (
    *EDIT_TYPE_SIGNALS,
    signal("actions_total", "How many things the edit added, removed or changed, all kinds "
           "together.", EDIT_STRUCTURE, ["edit_types"], unless_missing(_total_actions), "count"),
    # The language-agnostic artifact's names for the same counts.
    *(alias(f"actions_{action}_{category.replace(' ', '_').lower()}",
            _BY_COLUMN[f"{action}_{category}"], _edit_type_words(action, category),
            family=LA_EDIT_TYPE_FAMILY)
      for category in EDIT_CATEGORIES for action in LA_EDIT_ACTIONS),
    alias("current_wikitext_chars", _FACT["current_chars"], "Revision wikitext length, characters.",
          group=EDIT_STRUCTURE),
    alias("parent_wikitext_chars", _FACT["parent_chars"], "Parent wikitext length, characters.",
          group=EDIT_STRUCTURE),
    *(signal(f"wikitext_delta_{stat}", _delta_words(stat), EDIT_STRUCTURE, ["wikitext_delta"],
             _delta(stat), "count", family=WIKITEXT_DELTA_FAMILY)
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
