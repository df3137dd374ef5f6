"""The one mwedittypes counter: `{action}_{Category}` counts of an edit, as in the training CSV.

One category list, one action list, one way of counting, used by every model in training (the
CSV's columns) and in serving (this counter over the changed sections). Which definition the
training data follows was checked against its rows (tests/edits/test_edit_types_training_data.py):

- node categories (Wikilink, Template, ...) can be inserted and removed in the same edit, and
  moves are counted: the structured (tree) differ's counts, not the simple differ's, which folds
  every insert/remove overlap into changes and never reports moves;
- text categories (Word, Sentence, ...) never have both inserts and removes: the old mwedittypes
  reported their overlap as changes, which mwedittypes 3.x no longer does, so the overlap is
  turned back into changes here ("5 insert and 3 remove -> 3 change, 2 insert", the library's
  own definition);
- plain Text nodes are counted only when moved: the CSV has no inserted or changed Text.

Only the changed sections are parsed: mwedittypes gets an outline of both revisions in which
every run of shared sections is a one-line placeholder, the same on both sides (edits.sections),
so its section alignment and move detection see the same page as with the whole texts, and the
counts and texts are the same (bench/check_changed_sections.py). The cap: nothing is parsed
above MAX_CHANGED_CHARS, or when markup nests deeper than MAX_MARKUP_DEPTH, so one huge rewrite
or one page of 1,000 nested tags costs no more than a bounded parse.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from mwedittypes import StructuredEditTypes
from mwparserfromhell.wikicode import Wikicode

from revertrisk_service.edits.outline_trees import OutlineTrees

log = logging.getLogger(__name__)

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

TEXT_CATEGORIES = ("Word", "Sentence", "Paragraph", "Punctuation", "Whitespace")

TreeDiff = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class EditDiff:
    """The structured diff of one edit: the raw tree diff (its Text nodes feed text extraction)
    and the per-column counts."""

    tree_diff: TreeDiff
    counts: dict[str, int]


def diff_outlines(trees: OutlineTrees | None, lang: str) -> EditDiff | None:
    """mwedittypes over the parsed outlines (edits.outline_trees), or None without them."""
    if trees is None:
        return None
    try:
        return diff_texts(trees.parent, trees.current, lang)
    except Exception:  # a differ failure on odd wikitext must not fail the request
        log.warning("mwedittypes failed on an edit; its edit types are left missing", exc_info=True)
        return None


def diff_texts(parent: str | Wikicode, current: str | Wikicode, lang: str) -> EditDiff:
    """mwedittypes over two texts exactly as given (whole pages in the equality checks), or over
    their trees parsed with style tags skipped, which mwedittypes then does not parse again."""
    structured = StructuredEditTypes("wikitext", parent, current, lang=lang)
    summary = structured.get_diff()
    tree_diff = structured.tree_diff or {action: [] for action in ACTIONS}
    return EditDiff(tree_diff=tree_diff, counts=count_edit_types(summary, tree_diff))


def count_edit_types(summary: dict[str, list[Any]] | None, tree_diff: TreeDiff) -> dict[str, int]:
    counts: Counter[str] = Counter()
    summary = summary or {}
    for node in summary.get("node-edits", []):
        counts[f"{node.edittype}_{node.type}"] += 1
    for text in summary.get("text-edits", []):
        counts[f"{text.edittype}_{text.type}"] += int(text.count)
    for context in summary.get("context", []):
        counts[f"{context.edittype}_{context.type}"] += int(context.count)
    # The summary folds plain-text nodes into the text categories; the tree diff still lists
    # the moved ones, which the training data counts (and only those).
    for entry in tree_diff.get("move", []):
        node_type = entry["prev"]["type"] if "prev" in entry else entry.get("type")
        if node_type == "Text":
            counts["move_Text"] += 1
    for category in TEXT_CATEGORIES:
        overlap = min(counts[f"insert_{category}"], counts[f"remove_{category}"])
        counts[f"change_{category}"] += overlap
        counts[f"insert_{category}"] -= overlap
        counts[f"remove_{category}"] -= overlap
    return {column: int(counts.get(column, 0)) for column in EDIT_TYPE_COLUMNS}
