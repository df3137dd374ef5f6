"""What each signal means, in words a patroller understands: the one place explanations read them.

`describe_signal` is the adapter between explanations and the signal declarations: it reads each
signal's declared description (`signals.describe`), except for the few families and signals whose
declaration is worded for developers ("mwedittypes count of 'Word' inserts", "log1p of ..."),
which are said again below for a patroller (tests/explanations/test_descriptions.py checks every
shipped feature's wording).
"""

from __future__ import annotations

from functools import cache

from revertrisk_service.edits.edit_types import ACTIONS, EDIT_CATEGORIES
from revertrisk_service.edits.wikitext import STAT_NAMES
from revertrisk_service.signals import UnknownSignal, describe

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
ACTION_WORDS = {"insert": "added", "remove": "removed", "change": "changed", "move": "moved"}
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
# Signals whose declaration is worded for developers ("log1p of ...", "sysop/bureaucrat/..."): the
# same thing for a patroller. Everything else reads its declaration (signals.describe).
PATROLLER_WORDS: dict[str, str] = {
    "user_log_editcount": "How many edits the editor has made (on a log scale).",
    "user_known_group_count": "How many of the tracked user groups the editor belongs to.",
    "actions_total": "How many things the edit added, removed or changed, all kinds together.",
    "user_is_admin": "The editor is an administrator, bureaucrat or interface administrator.",
    "bytes_diff": "Size of the page after the edit minus before, bytes.",
    "revision_text_bytes_diff": "Size of the page after the edit minus before, bytes.",
}


@cache
def _families() -> dict[str, str]:
    words: dict[str, str] = {}
    for category in EDIT_CATEGORIES:
        what = CATEGORY_WORDS[category]
        for action in ACTIONS:
            # Both spellings: the multilingual model's '<action>_<Category>' columns and the
            # language-agnostic model's 'actions_<action>_<category>' features.
            sentence = f"How many {what} the edit {ACTION_WORDS[action]}."
            words[f"{action}_{category}"] = sentence
            words["actions_" + f"{action}_{category}".replace(" ", "_").lower()] = sentence
    for stat in STAT_NAMES:
        if stat == "chars":
            words["wikitext_delta_chars"] = (
                "How much longer the edited sections became, characters (negative: shorter)."
            )
        else:
            words[f"wikitext_delta_{stat}"] = (
                f"How many {STAT_WORDS[stat]} the edit added to its sections (negative: removed)."
            )
    return words


def _lookup(name: str) -> str | None:
    for table in (PATROLLER_WORDS, _families()):
        if name in table:
            return table[name]
    try:
        return describe(name)
    except UnknownSignal:
        return None


def has_description(name: str) -> bool:
    return _lookup(name) is not None


def describe_signal(name: str) -> str:
    """The patroller's description of one signal (a model feature); a signal declared nowhere (a
    model trained by newer code) still gets its name in words rather than an error."""
    return _lookup(name) or name.replace("_", " ").capitalize() + "."
