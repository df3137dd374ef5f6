"""What the rest of the service asks of the outcome store, apart from how it is kept (the SQL
implementation is outcomes.sql_store), so that callers and tests depend on the questions only."""

from __future__ import annotations

from typing import Protocol

from revertrisk_service.outcomes.records import DecidedScore, Outcome, RecordedScore, ScoreFilter


class OutcomeStore(Protocol):
    def record_score(self, edit: RecordedScore) -> None:
        """Keep one version's score for an edit; recording the same (edit, model, version)
        again replaces the score."""

    def record_outcome(self, outcome: Outcome) -> bool:
        """Keep an edit's outcome, written as soon as it is decided. The first decision stands:
        returns False (and keeps the earlier one) when the edit already has an outcome."""

    def decided_scores(
        self, model_name: str, version: str, where: ScoreFilter | None = None
    ) -> list[DecidedScore]:
        """The version's scores whose edits have an outcome, for the edits `where` picks (all
        of them without it), ordered by (wiki_db, rev_id)."""

    def versions(self, model_name: str) -> list[str]:
        """The versions of a model that have recorded scores, in first-scored order."""
