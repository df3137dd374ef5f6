"""In-process precaching: score stream revisions with every served model, filling their cache.

Each batch fetches a revision once and computes its edit facts once (RevisionFacts), then asks
each model's Scorer directly, through the same cache step as the HTTP server, so both share cache
keys, de-duplication and response bodies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from revertrisk_service.errors import ServiceError
from revertrisk_service.events import EventRevision
from revertrisk_service.explanations.notes import edit_notes
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.scored_edits import ScoreListeners
from revertrisk_service.serving.cache_layer import CacheLayer
from revertrisk_service.serving.model import score_facts
from revertrisk_service.serving.revision_facts import EditFetcher, RevisionFacts
from revertrisk_service.serving.scoring_pool import ScoringRunner, ThreadScoring
from revertrisk_service.wikis import Wiki


class InProcessPrecacher:
    def __init__(
        self,
        scorers: Sequence[Scorer],
        fetcher: EditFetcher,
        cache: CacheLayer,
        cpu_workers: int = 2,
        listeners: ScoreListeners | None = None,
        runner: ScoringRunner | None = None,
    ) -> None:
        self.scorers = list(scorers)
        self.fetcher = fetcher
        self.cache = cache
        self.listeners = listeners or ScoreListeners()
        # The scoring processes when run by `revertrisk precache`; threads otherwise (tests).
        self._owns_runner = runner is None
        self._runner: ScoringRunner = runner or ThreadScoring(cpu_workers)

    def supports(self, wiki: Wiki) -> bool:
        return any(s.supports(wiki) for s in self.scorers)

    async def __call__(self, revisions: list[EventRevision]) -> list[Any]:
        """Per revision: {"scores": {model: prediction}}, or {"error": ...} if no model scored it."""
        facts = RevisionFacts(self.fetcher, self._runner)
        scores: list[dict[str, Any]] = [{} for _ in revisions]
        errors: list[dict[str, Any]] = [{} for _ in revisions]
        for scorer in self.scorers:
            picked = [i for i, r in enumerate(revisions) if scorer.supports(r.wiki)]
            if not picked:
                continue
            wanted = [(revisions[i].wiki, revisions[i].rev_id) for i in picked]

            async def compute(todo: list[int], scorer=scorer, wanted=wanted) -> list[Any]:
                chosen = [wanted[i] for i in todo]
                known = await facts.get(chosen)
                # Explained only for an open patrol page, which shows each row's reasons.
                explain = self.listeners.wants_explanations()
                outcomes = await score_facts(scorer, chosen, known, self._runner, explain)
                notes = edit_notes(scorer.feature_names, known, outcomes) if explain else None
                self.listeners.announce(chosen, outcomes, facts.contexts, "precache", notes)
                return outcomes

            answers = await self.cache.answer(
                scorer.name, scorer.version, wanted, refresh=False, compute=compute
            )
            for i, outcome in zip(picked, answers.outcomes, strict=True):
                if isinstance(outcome, ServiceError):
                    errors[i][scorer.name] = outcome.to_dict()
                else:
                    scores[i][scorer.name] = outcome
        return [
            {"scores": s} if s else {"error": e or {"code": "unsupported"}}
            for s, e in zip(scores, errors, strict=True)
        ]

    def close(self) -> None:
        if self._owns_runner:
            self._runner.close()
