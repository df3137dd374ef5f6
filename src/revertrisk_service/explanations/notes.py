"""What the patrol page shows under a new score: its top reasons and the text it added and removed.

Both come from what the scoring call has already computed (the explanation, and the edit's `texts`
signal, made into a diff in the scoring process: scoring.edit_scoring); nothing is fetched or
parsed again for them. They are cut short, because each row travels to every open page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from revertrisk_service.edits.texts import EditTexts
from revertrisk_service.explanations.shaping import EXPLANATION, is_complete, ranked

TOP_REASONS = 3
MAX_DIFF_TEXTS = 12
MAX_DIFF_CHARS = 300
# The signal a diff is made of: the edit's sentences, missing (None) when the edit was too large
# to parse. Not `edit_texts`, which stands in the title alone then and would show an empty diff.
DIFF_SIGNAL = "texts"


@dataclass(frozen=True)
class Reason:
    signal: str
    description: str
    value: float | int | str | None
    contribution: float


@dataclass(frozen=True)
class EditDiff:
    inserted: tuple[str, ...]
    removed: tuple[str, ...]
    # More texts than shown (the page says so rather than pretend the edit was small).
    truncated: bool = False


@dataclass(frozen=True)
class EditNotes:
    reasons: tuple[Reason, ...] = ()
    diff: EditDiff | None = None


def top_reasons(
    outcome: object, names: Sequence[str], count: int = TOP_REASONS
) -> tuple[Reason, ...]:
    """The largest contributions of a score that carries its explanation; none otherwise."""
    if not isinstance(outcome, dict):
        return ()
    stored = outcome.get("output", {}).get(EXPLANATION)
    if not is_complete(stored, len(names)):
        return ()
    assert isinstance(stored, dict)
    return tuple(
        Reason(r["signal"], r["description"], r["value"], r["contribution"])
        for r in ranked(stored, names)[:count]
    )


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DIFF_CHARS else text[: MAX_DIFF_CHARS - 1] + "…"


def edit_diff(texts: object) -> EditDiff | None:
    """Inserted and removed sentences from the edit's `texts` signal (a changed sentence is both:
    its old form removed, its new form inserted); None when the edit was too large to parse."""
    if not isinstance(texts, EditTexts):
        return None
    inserted = [*texts.inserts, *(new for _, new in texts.changes)]
    removed = [*texts.removes, *(old for old, _ in texts.changes)]
    return EditDiff(
        inserted=tuple(_clip(t) for t in inserted[:MAX_DIFF_TEXTS]),
        removed=tuple(_clip(t) for t in removed[:MAX_DIFF_TEXTS]),
        truncated=len(inserted) > MAX_DIFF_TEXTS or len(removed) > MAX_DIFF_TEXTS,
    )


def edit_notes(
    names: Sequence[str], diffs: Sequence[EditDiff | None], outcomes: Sequence[Any]
) -> list[EditNotes]:
    """Per revision, in order: its reasons (when explained) and its diff (when parsed)."""
    return [
        EditNotes(top_reasons(outcome, names), diff)
        for diff, outcome in zip(diffs, outcomes, strict=True)
    ]
