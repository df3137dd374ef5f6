"""The texts of one edit that the text classifiers read: inserted, removed and changed sentences
and the page title.

Changed text nodes are split into sentences; identical sentences on both sides are dropped and
the rest are paired parent-to-current by Levenshtein ratio. A close pair is a change, an
unpaired parent sentence a removal and an unpaired current sentence an insertion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import Levenshtein

DEFAULT_PAIRING_THRESHOLD = 0.5

# Sentence ends: Latin/Cyrillic/Greek full stop, ! and ? followed by a space; the CJK full-width
# marks and the Arabic/Urdu/Devanagari ones end a sentence with or without a following space.
_SENTENCE_END = re.compile(
    r"(?<=[.!?…])\s+"  # Latin, Cyrillic, Greek, ...: punctuation then whitespace
    r"|(?<=[。！？；])"  # CJK full-width marks: no space follows
    r"|(?<=[۔؟؛।॥።])\s*"  # Urdu/Arabic full stop and question mark, Devanagari danda, Ethiopic
    r"|\n+"  # a line break always ends a sentence in wikitext prose
)
_MIN_SENTENCE_CHARS = 2


@dataclass(frozen=True)
class EditTexts:
    """What the four text classifiers score for one revision."""

    title: str
    inserts: list[str] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)
    changes: list[tuple[str, str]] = field(default_factory=list)


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping the end punctuation with its sentence."""
    pieces = (piece.strip() for piece in _SENTENCE_END.split(text))
    return [piece for piece in pieces if len(piece) >= _MIN_SENTENCE_CHARS]


def pair_sentences(
    old: list[str], new: list[str], threshold: float = DEFAULT_PAIRING_THRESHOLD
) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Pair old and new sentences greedily by descending Levenshtein ratio.

    Returns (changed pairs, removed sentences, inserted sentences). Sentences present unchanged
    on both sides are neither. Greedy best-first pairing is order-independent and, unlike an
    in-order alignment, still pairs sentences that were edited and moved.
    """
    old_left = list(old)
    new_left = list(new)
    for sentence in set(old) & set(new):
        shared = min(old_left.count(sentence), new_left.count(sentence))
        for _ in range(shared):
            old_left.remove(sentence)
            new_left.remove(sentence)
    candidates = sorted(
        (
            (Levenshtein.ratio(o, n), i, j)
            for i, o in enumerate(old_left)
            for j, n in enumerate(new_left)
        ),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for ratio, i, j in candidates:
        if ratio < threshold:
            break
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((i, j))
    pairs.sort()
    changes = [(old_left[i], new_left[j]) for i, j in pairs]
    removes = [s for i, s in enumerate(old_left) if i not in used_old]
    inserts = [s for j, s in enumerate(new_left) if j not in used_new]
    return changes, removes, inserts


def extract_texts(
    tree_diff: dict[str, list[dict[str, Any]]],
    page_title: str,
    threshold: float = DEFAULT_PAIRING_THRESHOLD,
) -> EditTexts:
    """Collect the texts of an mwedittypes tree diff (see edit_types.diff_wikitext)."""
    inserts: list[str] = []
    removes: list[str] = []
    changes: list[tuple[str, str]] = []
    for entry in tree_diff.get("insert", []):
        if entry.get("type") == "Text":
            inserts.extend(split_sentences(entry["text"]))
    for entry in tree_diff.get("remove", []):
        if entry.get("type") == "Text":
            removes.extend(split_sentences(entry["text"]))
    for entry in tree_diff.get("change", []):
        if entry["prev"].get("type") != "Text":
            continue
        paired, removed, inserted = pair_sentences(
            split_sentences(entry["prev"]["text"]),
            split_sentences(entry["curr"]["text"]),
            threshold,
        )
        changes.extend(paired)
        removes.extend(removed)
        inserts.extend(inserted)
    return EditTexts(
        title=page_title.replace("_", " "), inserts=inserts, removes=removes, changes=changes
    )
