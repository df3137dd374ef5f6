"""Facts about the edit summary and the page's history that need no text model.

Summaries are pure functions of the comment string: empty, MediaWiki's automatic section
marker only, revert/undo words, wikilinks. Page facts: how many revisions the page has, how
big the edit is relative to the page, time since the page's previous edit. Each is None when
its input is unknown (the offline data has no parent size and no page-level time gap).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

# "/* Section */" is MediaWiki's automatic summary when editing one section.
SECTION_AUTOSUMMARY = re.compile(r"/\*.*?\*/")
# MediaWiki's automatic summaries for blanking/replacing/creating start with an arrow in every
# language's default messages ("←Replaced content with ...", "←Blanked the page").
_AUTOMATIC_ARROW = re.compile(r"^\s*[←→]")
# Words that mark a revert or undo in edit summaries, in a few large Wikipedias' languages
# (MediaWiki's default undo/rollback summaries and common abbreviations).
REVERT_WORDS = re.compile(
    r"\b(?:revert\w*|rv|rvv|undid|undo\w*|rollback|annul\w*|rückgängig|zurückgesetzt|"
    r"revertid\w*|desfe\w*|откат\w*|отмен\w*|ripristin\w*)\b|取り消し|差し戻し|回退|撤销|還原|回復|"
    r"رجوع|استرجاع|되돌림",
    re.IGNORECASE,
)


def is_empty(comment: str) -> bool:
    return not comment.strip()


def has_section_marker(comment: str) -> bool:
    return bool(SECTION_AUTOSUMMARY.search(comment))


def is_only_section_marker(comment: str) -> bool:
    return bool(comment.strip()) and not SECTION_AUTOSUMMARY.sub("", comment).strip()


def is_automatic(comment: str) -> bool:
    """Empty, only the section marker, or one of MediaWiki's arrow-led automatic summaries: the
    editor wrote nothing about the edit."""
    return is_empty(comment) or is_only_section_marker(comment) or bool(
        _AUTOMATIC_ARROW.match(comment)
    )


def mentions_revert(comment: str) -> bool:
    return bool(REVERT_WORDS.search(comment))


def written_length(comment: str) -> int:
    """Characters the editor wrote, without the automatic section marker."""
    return len(SECTION_AUTOSUMMARY.sub("", comment).strip())


@dataclass(frozen=True)
class CommentFact:
    name: str
    description: str
    compute: Callable[[str], float]


COMMENT_FACTS: tuple[CommentFact, ...] = (
    CommentFact("comment_is_automatic", "Summary empty, only '/* section */', or an arrow-led "
                "automatic summary.", lambda c: float(is_automatic(c))),
    CommentFact("comment_is_section_edit", "Summary has the '/* section */' marker of a section "
                "edit.", lambda c: float(has_section_marker(c))),
    CommentFact("comment_mentions_revert", "Summary has a revert/undo word (several languages).",
                lambda c: float(mentions_revert(c))),
    CommentFact("comment_written_chars", "Characters of summary the editor wrote themself.",
                lambda c: float(written_length(c))),
    CommentFact("comment_has_wikilink", "Summary contains a [[wikilink]].",
                lambda c: float("[[" in c)),
)  # fmt: skip
COMMENT_FACT_NAMES: tuple[str, ...] = tuple(f.name for f in COMMENT_FACTS)


def comment_facts(comment: str | None) -> dict[str, float | None]:
    if comment is None:
        return {f.name: None for f in COMMENT_FACTS}
    return {f.name: f.compute(comment) for f in COMMENT_FACTS}


def log_revision_count(count: int | None) -> float | None:
    """log1p of the page's revision count: well-watched old pages are reverted differently."""
    return None if count is None or count < 0 else math.log1p(count)


def size_relative_to_page(bytes_diff: int | None, parent_size: int | None) -> float | None:
    """Edit size over the parent's size; None without the parent (or for an empty parent)."""
    if bytes_diff is None or parent_size is None or parent_size <= 0:
        return None
    return bytes_diff / parent_size


def log_seconds(seconds: float | None) -> float | None:
    """log1p of a non-negative time gap (time since the page's previous edit)."""
    return None if seconds is None or seconds < 0 else math.log1p(seconds)
