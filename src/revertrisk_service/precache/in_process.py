"""In-process precaching: score stream revisions with every served model, filling their cache.

Each batch goes through the process's one scoring engine (scoring.revision_scoring), with
every model at once: a revision is fetched once and sent to the scoring processes once, and both
share cache keys, de-duplication, response bodies and prediction events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from revertrisk_service.errors import ServiceError
from revertrisk_service.events import EventRevision
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.wikis import Wiki


class InProcessPrecacher:
    def __init__(self, scorers: Sequence[Scorer], scoring: RevisionScoring) -> None:
        self.scorers = list(scorers)
        self.scoring = scoring

    def supports(self, wiki: Wiki) -> bool:
        return any(s.supports(wiki) for s in self.scorers)

    async def __call__(self, revisions: list[EventRevision]) -> list[Any]:
        """Per revision: {"scores": {model: prediction}}, or {"error": ...} if no model scored it."""
        answers = await self.scoring.score(
            self.scorers, [(r.wiki, r.rev_id) for r in revisions], origin="precache"
        )
        scores: list[dict[str, Any]] = [{} for _ in revisions]
        errors: list[dict[str, Any]] = [{} for _ in revisions]
        for scorer, answer in zip(self.scorers, answers, strict=True):
            for i, outcome in enumerate(answer.outcomes):
                if isinstance(outcome, ServiceError):
                    errors[i][scorer.name] = outcome.to_dict()
                elif outcome is not None:
                    scores[i][scorer.name] = outcome
        return [
            {"scores": s} if s else {"error": e or {"code": "unsupported"}}
            for s, e in zip(scores, errors, strict=True)
        ]
