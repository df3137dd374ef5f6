"""What each signal means, in words a patroller understands: the one place explanations read them.

`describe_signal` is the adapter between explanations and the signal declarations. Today the
declarations are spread over the language-agnostic FEATURES, edits.signals and the EditFacts
fields, and several were written for developers ("mwedittypes count of 'Word' inserts"); the
families below say the same thing for a patroller. Once the signal catalogue (issue 15) carries
patroller wording, this function reads it and the families shrink to what it lacks.
"""

from __future__ import annotations

from functools import cache

from revertrisk_service.edits.edit_types import ACTIONS, EDIT_CATEGORIES
from revertrisk_service.edits.facts import describe_facts
from revertrisk_service.edits.signals import SIGNAL_DESCRIPTIONS
from revertrisk_service.edits.user import FLAGGED_GROUPS
from revertrisk_service.edits.wikitext import STAT_NAMES
from revertrisk_service.models.language_agnostic.features import FEATURES

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
INTERFACE_WORDS: dict[str, str] = {
    "is_mobile_edit": "Made from a phone or tablet (mobile website or app).",
    "is_mobile_web_edit": "Made on the mobile website.",
    "is_mobile_app_edit": "Made in a Wikipedia mobile app.",
    "is_android_app_edit": "Made in the Wikipedia app for Android.",
    "is_ios_app_edit": "Made in the Wikipedia app for iPhone and iPad.",
    "is_visualeditor": "Made with the visual editor.",
    "is_wikieditor": "Made with the wikitext source editor.",
}
# Signals whose declared wording needs the code to understand, and those declared nowhere.
PATROLLER_WORDS: dict[str, str] = {
    **INTERFACE_WORDS,
    "user_log_editcount": "How many edits the editor has made (on a log scale).",
    "user_known_group_count": "How many of the tracked user groups the editor belongs to.",
    "actions_total": "How many things the edit added, removed or changed, all kinds together.",
    "is_anonymous": "Made by an IP editor or a temporary account.",
    "n_insert_texts": "How many sentences the edit added.",
    "n_remove_texts": "How many sentences the edit removed.",
    "n_change_texts": "How many sentences the edit changed.",
    "revision_text_bytes_diff": "Size of the page after the edit minus before, bytes.",
    "wiki_db": "Which wiki the edit was made on.",
    "user_is_admin": "The editor is an administrator, bureaucrat or interface administrator.",
    "user_is_reviewer": "The editor may patrol or review edits (patroller, reviewer, autopatrolled).",
    "bytes_diff": "Size of the page after the edit minus before, bytes.",
    "current_wikitext_chars": "Length of the page after the edit, characters.",
    "parent_wikitext_chars": "Length of the page before the edit, characters.",
    "seconds_since_parent_revision": "Time since the page's previous edit, seconds.",
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
    for group in FLAGGED_GROUPS:
        words[f"is_{group}"] = f"The editor is in the '{group}' user group."
    return words


@cache
def _declared() -> dict[str, str]:
    return {**describe_facts(), **SIGNAL_DESCRIPTIONS, **{f.name: f.description for f in FEATURES}}


def _lookup(name: str) -> str | None:
    for table in (PATROLLER_WORDS, _families(), _declared()):
        if name in table:
            return table[name]
    return None


def has_description(name: str) -> bool:
    return _lookup(name) is not None


def describe_signal(name: str) -> str:
    """The patroller's description of one signal (a model feature); a signal declared nowhere (a
    model trained by newer code) still gets its name in words rather than an error."""
    return _lookup(name) or name.replace("_", " ").capitalize() + "."
