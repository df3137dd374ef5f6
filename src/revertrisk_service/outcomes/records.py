"""The records the outcome store keeps and answers: a scored edit, its outcome, and the two
joined (a decided score), as plain typed values shared by the detector, the store, the quality
figures and the promotion gate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DecisionSource(StrEnum):
    """What decided an outcome, kept so that figures can be read per source."""

    # A later revision of the page restored an earlier content hash (identity revert).
    SHA1 = "sha1"
    # The reverting revision's event named the edit (rev_revert_details: rev_reverted_revs).
    EVENT = "event"
    # Both said so, from the same reverting revision.
    SHA1_AND_EVENT = "sha1+event"
    # The window closed with no revert seen: not reverted.
    WINDOW = "window"


@dataclass(frozen=True)
class RecordedScore:
    """One model version's score for one edit, as the outcome store keeps it (the scoring
    path's announcement of a score is scored_edits.ScoredEdit). `shadow` scores were never
    returned to a client.

    `saved_at` is when the edit was saved (the event's time), from which its window runs; when
    unknown, `scored_at` stands in.
    """

    wiki_db: str
    rev_id: int
    page_id: int
    model_name: str
    model_version: str
    probability: float
    editor_anonymous: bool
    scored_at: datetime
    shadow: bool = False
    saved_at: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """How one edit ended. For a reverted edit: the reverting revision, its user, and the
    seconds from the edit to its revert."""

    wiki_db: str
    rev_id: int
    reverted: bool
    decided_by: DecisionSource
    decided_at: datetime
    reverting_rev_id: int | None = None
    reverted_by: str | None = None
    seconds_to_revert: float | None = None


@dataclass(frozen=True)
class DecidedScore:
    """A score whose edit has an outcome: one row of observed quality or of the promotion gate."""

    wiki_db: str
    rev_id: int
    probability: float
    reverted: bool
    editor_anonymous: bool
    decided_by: DecisionSource


@dataclass(frozen=True)
class PageRevision:
    """A revision the detector saw: what the identity-revert rule and an outcome need of it."""

    wiki_db: str
    page_id: int
    rev_id: int
    sha1: str
    timestamp: datetime
    user_text: str | None


@dataclass(frozen=True)
class ScoreFilter:
    """Which decided scores a question is about: scored in [since, until), of one wiki, of
    anonymous (True) or registered (False) editors; None is no restriction."""

    since: datetime | None = None
    until: datetime | None = None
    wiki_db: str | None = None
    editor_anonymous: bool | None = None
