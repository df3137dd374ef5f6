"""The one path that scores revisions with several models: `/v1` (serving.model), the ORES layer
and both precache modes (in process directly; the HTTP poster through `/v1`).

Per call, every model looks its revisions up in the cache (cache_layer.answer_many). What any
model misses is fetched from MediaWiki once, by this process, and then goes to the scoring
processes in ONE call per revision (edit_scoring.score_edits) that computes its facts once and
the score of every model that missed it. The probabilities come back; the fetched revision stays
here, for the score listeners (prediction events, the patrol page).

Edits that arrive as events or from the stream are announced to the listeners that ask for it
(prediction events) even when their score was found in the cache: such a revision is fetched in
the background, off the response, unless a listener has announced it already.

Explanations (issue 17) ride the same call: asked for (`explain`), or while the patrol page is open
(`ScoreListeners.wants_explanations`), the scoring call also explains each score and diffs each
edit; the explanation is stored with the score, and the diff goes to the listeners only. A cached
score without an explanation does not answer a request that asks for one (cache_layer).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from revertrisk_service.errors import ScoringFailed, ServiceError
from revertrisk_service.explanations.notes import EditDiff, edit_notes
from revertrisk_service.explanations.shaping import EXPLANATION
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.observability.metrics import observe_stage, timed_stage
from revertrisk_service.scored_edits import Origin, ScoredEdit, ScoreListeners
from revertrisk_service.serving.cache_layer import CacheLayer, CacheRequest
from revertrisk_service.serving.edit_scoring import EditScores
from revertrisk_service.serving.responses import prediction_body
from revertrisk_service.serving.scoring_pool import ScoringRunner
from revertrisk_service.wikis import Wiki

if TYPE_CHECKING:
    from revertrisk_service.versions.shadow import ShadowScoring

log = logging.getLogger(__name__)

# A response body (Lift Wing's prediction) or the error that answers the revision.
Outcome = dict[str, Any] | ServiceError
RevisionKey = tuple[str, int]


class EditFetcher(Protocol):
    async def fetch_edits(
        self, requests: list[tuple[Wiki, int]]
    ) -> list[EditContext | ServiceError]: ...


@dataclass
class ModelAnswers:
    """One model's answers in a `score` call."""

    # Per revision of the call, in order; None where the model does not serve that wiki.
    outcomes: list[Outcome | None]
    # X-Cache and X-Cache-Hits over the revisions the model answered.
    headers: dict[str, str] = field(default_factory=dict)


def _key(wiki: Wiki, rev_id: int) -> RevisionKey:
    return (wiki.dbname, rev_id)


def _failed(scorer: Scorer) -> ScoringFailed:
    return ScoringFailed(f"{scorer.name} could not score this revision.")


def _bodies(
    scorers: Sequence[Scorer], scores: EditScores, contexts: Sequence[EditContext]
) -> dict[str, list[Outcome]]:
    """The worker's probabilities as response bodies, per model, in the contexts' order; each
    carries its explanation in stored form when the call explained (explanations.shaping)."""
    bodies: dict[str, list[Outcome]] = {}
    for scorer in scorers:
        explained = (scores.explanations or {}).get(scorer.name) or [None] * len(contexts)
        model_bodies: list[Outcome] = []
        for c, p, explanation in zip(
            contexts, scores.probabilities[scorer.name], explained, strict=True
        ):
            if p is None:
                model_bodies.append(_failed(scorer))
                continue
            body = prediction_body(scorer.name, scorer.version, c.wiki.dbname, c.revision.rev_id, p)
            if explanation is not None:
                body["output"][EXPLANATION] = explanation
            model_bodies.append(body)
        bodies[scorer.name] = model_bodies
    return bodies


class RevisionScoring:
    def __init__(
        self,
        fetcher: EditFetcher,
        runner: ScoringRunner,
        cache: CacheLayer | None = None,
        listeners: ScoreListeners | None = None,
        shadow: ShadowScoring | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.runner = runner
        self.cache = cache
        self.listeners = listeners or ScoreListeners()
        # With a challenger set: scored in the same call as its champion, recorded apart.
        self.shadow = shadow
        # Announcements of cached scores in flight: held so that they are not collected early.
        self._announcing: set[asyncio.Task[None]] = set()

    async def score(
        self,
        scorers: Sequence[Scorer],
        revisions: Sequence[tuple[Wiki, int]],
        *,
        refresh: bool = False,
        origin: Origin = "request",
        explain: bool = False,
    ) -> list[ModelAnswers]:
        """Every scorer's answer for each revision it serves, from the cache or computed. With
        `explain`, each answer carries its explanation in stored form (explanations.shaping)."""
        # Computed with explanations when asked, and for the patrol page while one is open.
        explaining = explain or self.listeners.wants_explanations()
        picked = [
            [i for i, (wiki, _) in enumerate(revisions) if s.supports(wiki)] for s in scorers
        ]
        wanted = [[revisions[i] for i in positions] for positions in picked]
        fetched: dict[RevisionKey, EditContext] = {}
        computed: set[tuple[int, int]] = set()  # (model, revision) pairs scored by this call

        async def compute(todo: list[list[int]]) -> list[list[Outcome]]:
            needs: dict[int, list[int]] = {}
            for m, positions in enumerate(todo):
                for p in positions:
                    needs.setdefault(picked[m][p], []).append(m)
                    computed.add((m, picked[m][p]))
            results = await self._fetch_and_score(
                scorers, revisions, needs, fetched, origin, explaining
            )
            return [
                [results[(m, picked[m][p])] for p in positions] for m, positions in enumerate(todo)
            ]

        if self.cache is None:
            per_model = await compute([list(range(len(p))) for p in picked])
            answers = [ModelAnswers(self._spread(o, p, len(revisions))) for o, p in zip(
                per_model, picked, strict=True)]
        else:
            cached = await self.cache.answer_many(
                [CacheRequest(s.name, s.version, w) for s, w in zip(scorers, wanted, strict=True)],
                refresh=refresh,
                compute=compute,
                explain=explain,
            )
            answers = [
                ModelAnswers(self._spread(c.outcomes, p, len(revisions)), c.headers)
                for c, p in zip(cached, picked, strict=True)
            ]
        self._announce_cached(scorers, revisions, answers, computed, fetched, origin)
        return answers

    def answer_held(
        self, scorer: Scorer, wiki: Wiki, rev_id: int, origin: Origin = "request"
    ) -> ModelAnswers | None:
        """`score` for one revision whose score this process holds in memory, without awaiting
        anything; None when it holds none (then call `score`). Announced like any cached score."""
        if self.cache is None:
            return None
        held = self.cache.answer_held(scorer.name, scorer.version, wiki, rev_id)
        if held is None:
            return None
        answers = [ModelAnswers(list(held.outcomes), held.headers)]
        self._announce_cached([scorer], [(wiki, rev_id)], answers, set(), {}, origin)
        return answers[0]

    async def score_contexts(
        self, scorers: Sequence[Scorer], contexts: Sequence[EditContext], explain: bool = False
    ) -> list[list[Outcome]]:
        """Edits the caller brings (pre-save): scored, never cached nor announced."""
        scores = await self._run(scorers, contexts, explain)
        bodies = _bodies(scorers, scores, contexts)
        return [bodies[s.name] for s in scorers]

    @staticmethod
    def _spread(
        outcomes: Sequence[Outcome], positions: Sequence[int], count: int
    ) -> list[Outcome | None]:
        spread: list[Outcome | None] = [None] * count
        for i, outcome in zip(positions, outcomes, strict=True):
            spread[i] = outcome
        return spread

    def _label(self, scorers: Sequence[Scorer]) -> str:
        """The model the shared stages are counted for ("shared" when several)."""
        return scorers[0].name if len(scorers) == 1 else "shared"

    async def _fetch_and_score(
        self,
        scorers: Sequence[Scorer],
        revisions: Sequence[tuple[Wiki, int]],
        needs: Mapping[int, list[int]],
        fetched: dict[RevisionKey, EditContext],
        origin: Origin,
        explain: bool = False,
    ) -> dict[tuple[int, int], Outcome]:
        """Fetch each needed revision once and score it once with every model that needs it."""
        if not needs:
            return {}
        unique: dict[RevisionKey, tuple[Wiki, int]] = {}
        models_of: dict[RevisionKey, set[int]] = {}
        for i, models in needs.items():
            key = _key(*revisions[i])
            unique.setdefault(key, revisions[i])
            models_of.setdefault(key, set()).update(models)
        with timed_stage(self._label(scorers), "mediawiki_fetch"):
            contexts = await self.fetcher.fetch_edits(list(unique.values()))
        by_key: dict[tuple[RevisionKey, int], Outcome] = {}
        groups: dict[tuple[int, ...], list[EditContext]] = {}
        for key, context in zip(unique, contexts, strict=True):
            if isinstance(context, ServiceError):
                for m in models_of[key]:
                    by_key[(key, m)] = context
                continue
            fetched[key] = context
            groups.setdefault(tuple(sorted(models_of[key])), []).append(context)
        # One call per group of revisions that the same models need: each revision goes to the
        # scoring processes once.
        group_answers = await asyncio.gather(
            *(
                self._score_group([scorers[m] for m in models], group, explain)
                for models, group in groups.items()
            )
        )
        for (models, group), (bodies, _) in zip(groups.items(), group_answers, strict=True):
            for m in models:
                for context, body in zip(group, bodies[scorers[m].name], strict=True):
                    by_key[(_key(context.wiki, context.revision.rev_id), m)] = body
        for (models, group), (_, diffs) in zip(groups.items(), group_answers, strict=True):
            for m in models:
                outcomes = [by_key[(_key(c.wiki, c.revision.rev_id), m)] for c in group]
                self.listeners.announce(
                    [(c.wiki, c.revision.rev_id) for c in group],
                    outcomes,
                    fetched,
                    origin,
                    # The patrol page's reasons and diff, from what the scoring call returned.
                    edit_notes(scorers[m].feature_names, diffs, outcomes) if diffs else None,
                )
        return {(m, i): by_key[(_key(*revisions[i]), m)] for i, ms in needs.items() for m in ms}

    async def _score_group(
        self, scorers: Sequence[Scorer], contexts: Sequence[EditContext], explain: bool
    ) -> tuple[dict[str, list[Outcome]], Sequence[EditDiff | None] | None]:
        """Each model's bodies, and each edit's diff when the call explained."""
        shadows = self.shadow.challengers_for(scorers) if self.shadow is not None else []
        try:
            scores = await self._run(scorers, contexts, explain, shadows)
        except Exception:
            log.exception("could not score %d revisions", len(contexts))
            return {s.name: [_failed(s)] * len(contexts) for s in scorers}, None
        if shadows and self.shadow is not None:
            self.shadow.record(shadows, contexts, scores)
        return _bodies(scorers, scores, contexts), scores.diffs

    async def _run(
        self,
        scorers: Sequence[Scorer],
        contexts: Sequence[EditContext],
        explain: bool = False,
        shadows: Sequence[Scorer] = (),
    ) -> EditScores:
        scores = await self.runner.score_edits(contexts, [*scorers, *shadows], explain)
        observe_stage(self._label(scorers), "edit_facts", scores.facts_seconds)
        for name, seconds in scores.inference_seconds.items():
            observe_stage(name, "inference", seconds)
        return scores

    # -- scores found in the cache ----------------------------------------------------------

    def _announce_cached(
        self,
        scorers: Sequence[Scorer],
        revisions: Sequence[tuple[Wiki, int]],
        answers: Sequence[ModelAnswers],
        computed: set[tuple[int, int]],
        fetched: Mapping[RevisionKey, EditContext],
        origin: Origin,
    ) -> None:
        pending: list[tuple[Wiki, int, dict[str, Any]]] = []
        seen: set[tuple[str, RevisionKey]] = set()
        for m, (scorer, answer) in enumerate(zip(scorers, answers, strict=True)):
            for i, outcome in enumerate(answer.outcomes):
                wiki, rev_id = revisions[i]
                mark = (scorer.name, _key(wiki, rev_id))
                if not isinstance(outcome, dict) or (m, i) in computed or mark in seen:
                    continue
                seen.add(mark)
                if self.listeners.wants_cached(outcome, wiki, origin):
                    pending.append((wiki, rev_id, outcome))
        if not pending:
            return
        task = asyncio.get_running_loop().create_task(
            self._publish_cached(pending, dict(fetched), origin)
        )
        self._announcing.add(task)
        task.add_done_callback(self._announcing.discard)

    async def _publish_cached(
        self,
        pending: Sequence[tuple[Wiki, int, dict[str, Any]]],
        fetched: dict[RevisionKey, EditContext],
        origin: Origin,
    ) -> None:
        try:
            missing = list(dict.fromkeys((w, r) for w, r, _ in pending if _key(w, r) not in fetched))
            if missing:
                for (wiki, rev_id), context in zip(
                    missing, await self.fetcher.fetch_edits(missing), strict=True
                ):
                    if isinstance(context, EditContext):
                        fetched[_key(wiki, rev_id)] = context
            for wiki, rev_id, body in pending:
                context = fetched.get(_key(wiki, rev_id))
                if context is None:
                    log.warning(
                        "could not announce the cached score of %s %d: not fetched",
                        wiki.dbname, rev_id,
                    )
                    continue
                self.listeners.publish(ScoredEdit.from_body(context, body, origin, cached=True))
        except Exception:
            log.exception("could not announce %d cached scores", len(pending))

    async def settled(self) -> None:
        """Wait for the announcements of cached scores in flight (tests, shutdown)."""
        while self._announcing:
            await asyncio.gather(*self._announcing, return_exceptions=True)
