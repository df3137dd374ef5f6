"""Facts of the edit summary: automatic section markers, revert words, shouting."""

from __future__ import annotations

import re

# "/* Section */" is MediaWiki's automatic summary when editing one section.
_SECTION_AUTOSUMMARY = re.compile(r"/\*.*?\*/")
# MediaWiki's automatic summaries for blanking/replacing/creating start with an arrow in every
# language's default messages ("←Replaced content with ...", "←Blanked the page").
_AUTOMATIC_ARROW = re.compile(r"^\s*[←→]")
# Words that mark a revert or undo in edit summaries, in a few large Wikipedias' languages
# (MediaWiki's default undo/rollback summaries and common abbreviations).
_REVERT_WORDS = re.compile(
    r"\b(?:revert\w*|rv|rvv|undid|undo\w*|rollback|annul\w*|rückgängig|zurückgesetzt|"
    r"revertid\w*|desfe\w*|откат\w*|отмен\w*|ripristin\w*)\b|取り消し|差し戻し|回退|撤销|還原|回復|"
    r"رجوع|استرجاع|되돌림",
    re.IGNORECASE,
)


def is_empty(comment: str) -> bool:
    return not comment.strip()


def has_section_autosummary(comment: str) -> bool:
    return bool(_SECTION_AUTOSUMMARY.search(comment))


def is_only_section_autosummary(comment: str) -> bool:
    return bool(comment.strip()) and not _SECTION_AUTOSUMMARY.sub("", comment).strip()


def is_automatic(comment: str) -> bool:
    """Empty, only the section marker, or one of MediaWiki's arrow-led automatic summaries: the
    editor wrote nothing about the edit."""
    return (
        is_empty(comment)
        or is_only_section_autosummary(comment)
        or bool(_AUTOMATIC_ARROW.match(comment))
    )


def written_length(comment: str) -> int:
    """Characters the editor wrote, without the automatic section marker."""
    return len(_SECTION_AUTOSUMMARY.sub("", comment).strip())


def mentions_revert(comment: str) -> bool:
    return bool(_REVERT_WORDS.search(comment))


def has_wikilink(comment: str) -> bool:
    return "[[" in comment


def uppercase_ratio(text: str) -> float:
    """Share of upper-case letters among the cased letters (0 when there are none)."""
    letters = [c for c in text if c.isalpha()]
    cased = [c for c in letters if c.isupper() or c.islower()]
    return sum(c.isupper() for c in cased) / len(cased) if cased else 0.0
