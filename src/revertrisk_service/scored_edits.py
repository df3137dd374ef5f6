"""Every score the service computes, announced to listeners (prediction events, the patrol page).

The scoring path (scoring.revision_scoring) publishes a ScoredEdit for each revision it has just
scored. A score found in the cache is published too (`cached=True`), but only to the listeners
that ask for it (`wants_cached`): prediction events, which every edit from an event or the stream
must get once, however its score was found. Listeners must not block: they queue the edit and do
their work elsewhere, so nothing they do can fail or slow the scoring response.
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
    # Found in the cache rather than computed for this announcement.
    cached: bool = False
    # The score's top reasons (when it was explained) and the text the edit added and removed.
    reasons: tuple[Reason, ...] = ()
    diff: EditDiff | None = None

    @property
    def key(self) -> ScoreKey:
        return (self.model_name, self.model_version, self.wiki.dbname, self.rev_id)

    @classmethod
    def from_body(
        cls,
        context: EditContext,
        body: Mapping[str, Any],
        origin: Origin,
        cached: bool = False,
        notes: EditNotes | None = None,
    ) -> ScoredEdit:
        """From a Lift Wing prediction body, the score as every client saw it."""
        output = body["output"]
        return cls.from_context(
            context,
            model_name=body["model_name"],
            model_version=body["model_version"],
            probability=output["probabilities"]["true"],
            prediction=output["prediction"],
            origin=origin,
            cached=cached,
            notes=notes,
        )

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
        cached: bool = False,
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
            cached=cached,
            reasons=notes.reasons if notes else (),
            diff=notes.diff if notes else None,
        )


def origin_of(headers: Mapping[str, str] | None, request_kind: str) -> Origin:
    if headers and headers.get(ORIGIN_HEADER, "").lower() == "precache":
        return "precache"
    return "event" if request_kind == "event" else "request"


Listener = Callable[[ScoredEdit], None]
# Model name, model version, wiki dbname, revision id: one score.
ScoreKey = tuple[str, str, str, int]
# Whether a listener wants a cached score announced (it has not announced that key yet, say).
WantsCached = Callable[[ScoreKey, Origin], bool]


class ScoreListeners:
    """Fans each score out to its listeners; a failing listener is logged, never raised."""

    def __init__(self, *listeners: Listener) -> None:
        self._listeners: list[tuple[Listener, WantsCached | None]] = [
            (listener, None) for listener in listeners
        ]
        self._explanation_wanted: list[Callable[[], bool]] = []

    def add(self, listener: Listener, wants_cached: WantsCached | None = None) -> None:
        """wants_cached: given, the listener also hears of cached scores it says yes to."""
        self._listeners.append((listener, wants_cached))

    def explain_while(self, condition: Callable[[], bool]) -> None:
        """New scores are computed with explanations while `condition()` holds (the patrol page
        shows reasons; explaining costs extra, so only while a page is open)."""
        self._explanation_wanted.append(condition)

    def wants_explanations(self) -> bool:
        return any(condition() for condition in self._explanation_wanted)

    def __bool__(self) -> bool:
        return bool(self._listeners)

    def wants_cached(self, body: Mapping[str, Any], wiki: Wiki, origin: Origin) -> bool:
        """Whether any listener wants this cached score (a Lift Wing prediction body)."""
        key = (body["model_name"], body["model_version"], wiki.dbname, body["revision_id"])
        return any(wants is not None and wants(key, origin) for _, wants in self._listeners)

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
            self.publish(
                ScoredEdit.from_body(context, outcome, origin, notes=notes[n] if notes else None)
            )

    def publish(self, edit: ScoredEdit) -> None:
        for listener, wants_cached in self._listeners:
            if edit.cached and (wants_cached is None or not wants_cached(edit.key, edit.origin)):
                continue
            try:
                listener(edit)
            except Exception:
                log.exception("a score listener failed on %s %s", edit.wiki.dbname, edit.rev_id)
