"""Every score the service computes, announced to listeners (prediction events, the patrol page).

The model publishes a ScoredEdit for each revision it has just scored (cache hits are not new
scores). Listeners must not block: they queue the edit and do their work elsewhere, so nothing
they do can fail or slow the scoring response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from revertrisk_service.explanations.notes import EditDiff, EditNotes, Reason
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.wikis import Wiki

log = logging.getLogger(__name__)

Origin = Literal["request", "event", "precache"]
# Set by the precacher (in process, or posting to a server) on the scores it asks for.
ORIGIN_HEADER = "x-revertrisk-origin"


@dataclass(frozen=True)
class ScoredEdit:
    model_name: str
    model_version: str
    wiki: Wiki
    rev_id: int
    parent_id: int
    page_id: int
    page_title: str
    namespace: int
    user_text: str | None  # None when the editor's name is hidden
    user_id: int
    is_anonymous: bool
    is_temporary: bool
    is_bot: bool
    rev_timestamp: datetime
    probability: float
    prediction: bool
    origin: Origin
    scored_at: datetime
    # The score's top reasons (when it was explained) and the text the edit added and removed.
    reasons: tuple[Reason, ...] = ()
    diff: EditDiff | None = None

    @classmethod
    def from_context(
        cls,
        context: EditContext,
        *,
        model_name: str,
        model_version: str,
        probability: float,
        prediction: bool,
        origin: Origin,
        notes: EditNotes | None = None,
    ) -> ScoredEdit:
        revision, user = context.revision, context.user
        return cls(
            model_name=model_name,
            model_version=model_version,
            wiki=context.wiki,
            rev_id=revision.rev_id,
            parent_id=revision.parent_id,
            page_id=revision.page_id,
            page_title=revision.page_title,
            namespace=revision.namespace,
            user_text=user.name,
            user_id=user.user_id,
            is_anonymous=user.is_anonymous,
            is_temporary=user.is_temporary,
            is_bot="bot" in user.groups,
            rev_timestamp=revision.timestamp,
            probability=probability,
            prediction=prediction,
            origin=origin,
            scored_at=datetime.now(UTC),
            reasons=notes.reasons if notes else (),
            diff=notes.diff if notes else None,
        )


def origin_of(headers: Mapping[str, str] | None, request_kind: str) -> Origin:
    if headers and headers.get(ORIGIN_HEADER, "").lower() == "precache":
        return "precache"
    return "event" if request_kind == "event" else "request"


Listener = Callable[[ScoredEdit], None]


class ScoreListeners:
    """Fans each new score out to its listeners; a failing listener is logged, never raised."""

    def __init__(self, *listeners: Listener) -> None:
        self._listeners: list[Listener] = list(listeners)
        self._explanation_wanted: list[Callable[[], bool]] = []

    def add(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def explain_while(self, condition: Callable[[], bool]) -> None:
        """New scores are computed with explanations while `condition()` holds (the patrol page
        shows reasons; explaining costs extra, so only while a page is open)."""
        self._explanation_wanted.append(condition)

    def wants_explanations(self) -> bool:
        return any(condition() for condition in self._explanation_wanted)

    def __bool__(self) -> bool:
        return bool(self._listeners)

    def announce(
        self,
        revisions: Sequence[tuple[Wiki, int]],
        outcomes: Sequence[Any],
        contexts: Mapping[tuple[str, int], EditContext],
        origin: Origin,
        notes: Sequence[EditNotes] | None = None,
    ) -> None:
        """Publish each outcome that is a new score (a Lift Wing prediction body)."""
        if not self._listeners:
            return
        for n, ((wiki, rev_id), outcome) in enumerate(zip(revisions, outcomes, strict=True)):
            context = contexts.get((wiki.dbname, rev_id))
            if not isinstance(outcome, dict) or context is None:
                continue
            output = outcome["output"]
            self.publish(
                ScoredEdit.from_context(
                    context,
                    model_name=outcome["model_name"],
                    model_version=outcome["model_version"],
                    probability=output["probabilities"]["true"],
                    prediction=output["prediction"],
                    origin=origin,
                    notes=notes[n] if notes else None,
                )
            )

    def publish(self, edit: ScoredEdit) -> None:
        for listener in self._listeners:
            try:
                listener(edit)
            except Exception:
                log.exception("a score listener failed on %s %s", edit.wiki.dbname, edit.rev_id)
