"""mwedittypes counts of one edit, named like the training CSV's 88 `{action}_{Type}` columns.

The training data was produced by an older mwedittypes that reported text edits (Word, Sentence,
Paragraph, ...) as insert/remove/change. mwedittypes 3.x only reports insert and remove for
those, so the overlap of inserts and removes is turned back into changes: that is the
definition the library's own comments give ("5 insert and 3 remove -> 3 change, 2 insert").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from mwedittypes import StructuredEditTypes

ACTIONS = ("change", "insert", "move", "remove")

# The node and text categories, in the CSV's (alphabetical) column order.
EDIT_CATEGORIES = (
    "Argument", "Category", "Comment", "ExternalLink", "Gallery", "HTMLEntity", "Heading", "List",
    "Media", "Paragraph", "Punctuation", "Reference", "Section", "Sentence", "Table",
    "Table Element", "Template", "Text", "Text Formatting", "Whitespace", "Wikilink", "Word",
)  # fmt: skip

EDIT_TYPE_COLUMNS: tuple[str, ...] = tuple(
    f"{action}_{category}" for category in EDIT_CATEGORIES for action in ACTIONS
)

_TEXT_CATEGORIES = ("Word", "Sentence", "Paragraph", "Punctuation", "Whitespace")


@dataclass(frozen=True)
class EditDiff:
    """The structured diff of one edit: the raw tree diff (its Text nodes feed text extraction)
    and the per-column counts."""

    tree_diff: dict[str, list[dict[str, Any]]]
    counts: dict[str, int]


def diff_wikitext(prev_wikitext: str, curr_wikitext: str, lang: str) -> EditDiff:
    """Run mwedittypes on the parent and current wikitext and count edit types per column."""
    structured = StructuredEditTypes("wikitext", prev_wikitext, curr_wikitext, lang=lang)
    summary = structured.get_diff()
    tree_diff = structured.tree_diff or {"insert": [], "remove": [], "change": [], "move": []}
    return EditDiff(tree_diff=tree_diff, counts=count_edit_types(summary, tree_diff))


def count_edit_types(
    summary: dict[str, list[Any]] | None, tree_diff: dict[str, list[dict[str, Any]]]
) -> dict[str, int]:
    counts: Counter[str] = Counter()
    summary = summary or {}
    for node in summary.get("node-edits", []):
        counts[f"{node.edittype}_{node.type}"] += 1
    for text in summary.get("text-edits", []):
        counts[f"{text.edittype}_{text.type}"] += int(text.count)
    for context in summary.get("context", []):
        counts[f"{context.edittype}_{context.type}"] += int(context.count)
    # Plain-text nodes are folded into the text categories by the summary; the raw tree diff
    # still says how many text nodes were inserted, removed, changed or moved.
    for action in ACTIONS:
        for entry in tree_diff.get(action, []):
            node_type = entry["prev"]["type"] if "prev" in entry else entry.get("type")
            if node_type == "Text":
                counts[f"{action}_Text"] += 1
    for category in _TEXT_CATEGORIES:
        overlap = min(counts[f"insert_{category}"], counts[f"remove_{category}"])
        counts[f"change_{category}"] += overlap
        counts[f"insert_{category}"] -= overlap
        counts[f"remove_{category}"] -= overlap
    return {column: int(counts.get(column, 0)) for column in EDIT_TYPE_COLUMNS}
