"""Signals of an edit that need little or no labelled data, computed from its facts: character
and token statistics of what it added and removed, per-language word priors, language ID of the
added text, and facts of its summary.

Each signal is declared once, with its name, description and group; both models and the
ablations read them from here. Every value is a float or None (missing), never a guess.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from revertrisk_service.edits import comment as summary
from revertrisk_service.edits.facts import EditFacts
from revertrisk_service.edits.fragments import edit_fragments
from revertrisk_service.edits.language_id import LANGUAGE_ID_DESCRIPTIONS, language_id
from revertrisk_service.edits.text_stats import INSERTED_STATS, REMOVED_STATS, text_stats
from revertrisk_service.edits.word_priors import WORD_PRIOR_DESCRIPTIONS, word_priors

CHARACTERS = "characters"
WORD_PRIORS = "word priors"
LANGUAGE_ID = "language ID"
COMMENT = "summary"


@dataclass(frozen=True)
class Signal:
    name: str
    description: str
    group: str


@dataclass(frozen=True)
class CommentSignal:
    name: str
    description: str
    compute: Callable[[str], float]


COMMENT_SIGNALS: tuple[CommentSignal, ...] = (
    CommentSignal("comment_is_automatic", "Summary empty, only '/* section */', or an "
                  "arrow-led automatic summary.", lambda c: float(summary.is_automatic(c))),
    CommentSignal("comment_is_section_edit", "Summary has the '/* section */' marker.",
                  lambda c: float(summary.has_section_autosummary(c))),
    CommentSignal("comment_mentions_revert", "Summary has a revert/undo word (several languages).",
                  lambda c: float(summary.mentions_revert(c))),
    CommentSignal("comment_written_chars", "Characters of summary the editor wrote themself.",
                  lambda c: float(summary.written_length(c))),
    CommentSignal("comment_has_wikilink", "Summary contains a [[wikilink]].",
                  lambda c: float(summary.has_wikilink(c))),
)  # fmt: skip

SIGNALS: tuple[Signal, ...] = (
    *(Signal(s.name, s.description, CHARACTERS) for s in (*INSERTED_STATS, *REMOVED_STATS)),
    *(Signal(n, d, WORD_PRIORS) for n, d in WORD_PRIOR_DESCRIPTIONS.items()),
    *(Signal(n, d, LANGUAGE_ID) for n, d in LANGUAGE_ID_DESCRIPTIONS.items()),
    *(Signal(s.name, s.description, COMMENT) for s in COMMENT_SIGNALS),
)
SIGNAL_NAMES: tuple[str, ...] = tuple(s.name for s in SIGNALS)
SIGNAL_DESCRIPTIONS: dict[str, str] = {s.name: s.description for s in SIGNALS}


def signals_in(group: str) -> tuple[str, ...]:
    return tuple(s.name for s in SIGNALS if s.group == group)


def edit_signals(facts: EditFacts) -> dict[str, float | None]:
    """Every signal of one edit. Text signals are None when the texts are unknown (an edit too
    large to parse, or a source without texts), comment signals when the summary is."""
    values: dict[str, float | None] = dict.fromkeys(SIGNAL_NAMES)
    texts = facts.texts
    if texts is not None:
        added, removed = edit_fragments(texts.inserts, texts.removes, texts.changes, facts.lang)
        values.update(text_stats(added, removed, facts.lang))
        values.update(word_priors(added, removed, facts.lang))
        values.update(language_id(added, facts.lang))
    if facts.comment is not None:
        values.update({s.name: s.compute(facts.comment) for s in COMMENT_SIGNALS})
    return values


def signal_columns(
    signals: list[Mapping[str, float | None]], names: tuple[str, ...] | list[str]
) -> dict[str, list[float]]:
    """Columns of the named signals, None turned into NaN (missing for both boosters)."""
    nan = float("nan")
    return {n: [nan if s[n] is None else float(s[n]) for s in signals] for n in names}


# The optional packages (extra "signals") each group needs.
_PACKAGES = {WORD_PRIORS: ("wordfreq", "glin_profanity"), LANGUAGE_ID: ("py3langid",)}


def missing_packages(names: Sequence[str]) -> list[str]:
    """Packages that the named signals need and this installation lacks."""
    groups = {s.group for s in SIGNALS if s.name in set(names)}
    needed = [p for g in groups for p in _PACKAGES.get(g, ())]
    return sorted(p for p in needed if importlib.util.find_spec(p) is None)
