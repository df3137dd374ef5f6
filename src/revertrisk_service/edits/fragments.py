"""The text an edit actually added and took away, from its inserted, removed and changed sentences.

A changed sentence pair contributes only what differs: "X is a city" -> "X is a stupid city"
added "stupid", not the whole sentence. Languages written without spaces between words are
compared character by character, the others word by word.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

# Wikis whose prose has no spaces between words.
UNSPACED_LANGUAGES = frozenset({"ja", "zh", "th", "lo", "km", "my", "wuu", "yue", "gan"})


def _units(text: str, by_char: bool) -> list[str]:
    return list(text) if by_char else text.split()


def _join(units: list[str], by_char: bool) -> str:
    return "".join(units) if by_char else " ".join(units)


def pair_difference(old: str, new: str, lang: str | None) -> tuple[str, str]:
    """(added, removed) text of one changed sentence pair."""
    by_char = (lang or "") in UNSPACED_LANGUAGES
    a, b = _units(old, by_char), _units(new, by_char)
    added: list[str] = []
    removed: list[str] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("replace", "delete"):
            removed.append(_join(a[i1:i2], by_char))
        if op in ("replace", "insert"):
            added.append(_join(b[j1:j2], by_char))
    return _join(added, by_char), _join(removed, by_char)


def edit_fragments(
    inserts: Sequence[str],
    removes: Sequence[str],
    changes: Sequence[tuple[str, str]],
    lang: str | None,
) -> tuple[list[str], list[str]]:
    """(added pieces, removed pieces): whole inserted/removed sentences plus the differing parts
    of changed ones; empty pieces are dropped."""
    added = [t for t in inserts if t]
    removed = [t for t in removes if t]
    for old, new in changes:
        plus, minus = pair_difference(old, new, lang)
        if plus:
            added.append(plus)
        if minus:
            removed.append(minus)
    return added, removed
