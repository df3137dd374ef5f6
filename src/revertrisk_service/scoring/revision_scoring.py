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

Explanations ride the same call: asked for (`explain`), or while the patrol page is open
(`ScoreListeners.wants_explanations`), the scoring call also explains each score and diffs each
edit; the explanation is stored with the score, and the diff goes to the listeners only. A cached
score without an explanation does not answer a request that asks for one (cache_layer).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from revertrisk_service.errors import ScoringFailed, ServiceError
from revertrisk_service.explanations.notes import EditDiff, edit_notes
from revertrisk_service.explanations.shaping import EXPLANATION
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.observability.metrics import observe_stage, timed_stage
from revertrisk_service.scored_edits import Origin, ScoredEdit, ScoreListeners
from revertrisk_service.scoring.cache_layer import CacheLayer, CacheRequest
from revertrisk_service.scoring.edit_scoring import EditScores
from revertrisk_service.scoring.prediction import prediction_body
from revertrisk_service.scoring.scoring_pool import ScoringRunner
from revertrisk_service.scoring.shadow import Shadowing
from revertrisk_service.wikis import Wiki

log = logging.getLogger(__name__)

# A response body (Lift Wing's prediction) or the error that answers the revision.
Outcome = dict[str, Any] | ServiceError
Revision = tuple[Wiki, int]
RevisionKey = tuple[str, int]
# A model's name and a revision: what one outcome answers.
ModelRevision = tuple[str, RevisionKey]


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


def _in_call_order(outcomes: Sequence[Outcome], serves: Sequence[bool]) -> list[Outcome | None]:
    """A model's outcomes (one per revision it serves) placed at their revisions' places in the
    call; None where it does not serve the wiki."""
    if len(outcomes) != sum(serves):
        raise ValueError(f"{len(outcomes)} outcomes for {sum(serves)} served revisions")
    answered = iter(outcomes)
    return [next(answered) if served else None for served in serves]


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
        shadow: Shadowing | None = None,
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
        revisions: Sequence[Revision],
        *,
        refresh: bool = False,
        origin: Origin = "request",
        explain: bool = False,
    ) -> list[ModelAnswers]:
        """Every scorer's answer for each revision it serves, from the cache or computed. With
        `explain`, each answer carries its explanation in stored form (explanations.shaping)."""
        # Computed with explanations when asked, and for the patrol page while one is open.
        explaining = explain or self.listeners.wants_explanations()
        # Each model's share of the call: the revisions of the wikis it serves, in order.
        serves = [[s.supports(wiki) for wiki, _ in revisions] for s in scorers]
        shares = [
            [r for r, served in zip(revisions, mask, strict=True) if served] for mask in serves
        ]
        fetched: dict[RevisionKey, EditContext] = {}
        computed: set[ModelRevision] = set()  # scored by this call, and announced with it

        async def compute(misses: list[list[int]]) -> list[list[Outcome]]:
            """Each model's outcomes for what it missed (`misses`: positions in its share)."""
            wanted = [[share[p] for p in ps] for share, ps in zip(shares, misses, strict=True)]
            results = await self._fetch_and_score(scorers, wanted, fetched, origin, explaining)
            computed.update(results)
            return [
                [results[(s.name, _key(*revision))] for revision in share]
                for s, share in zip(scorers, wanted, strict=True)
            ]

        if self.cache is None:
            outcomes = await compute([list(range(len(share))) for share in shares])
            answers = [
                ModelAnswers(_in_call_order(o, m)) for o, m in zip(outcomes, serves, strict=True)
            ]
        else:
            cached = await self.cache.answer_many(
                [
                    CacheRequest(s.name, s.version, share)
                    for s, share in zip(scorers, shares, strict=True)
                ],
                refresh=refresh,
                compute=compute,
                explain=explain,
            )
            answers = [
                ModelAnswers(_in_call_order(c.outcomes, m), c.headers)
                for c, m in zip(cached, serves, strict=True)
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

    def _label(self, scorers: Sequence[Scorer]) -> str:
        """The model the shared stages are counted for ("shared" when several)."""
        return scorers[0].name if len(scorers) == 1 else "shared"

    async def _fetch_and_score(
        self,
        scorers: Sequence[Scorer],
        wanted: Sequence[Sequence[Revision]],
        fetched: dict[RevisionKey, EditContext],
        origin: Origin,
        explain: bool = False,
    ) -> dict[ModelRevision, Outcome]:
        """Fetch each revision once and score it once with every model that wants it (`wanted`:
        each scorer's revisions). Returns each (model, revision)'s outcome."""
        by_name = {s.name: s for s in scorers}
        revision_of: dict[RevisionKey, Revision] = {}
        wanted_by: dict[RevisionKey, list[str]] = {}  # the models that want it, in call order
        for scorer, share in zip(scorers, wanted, strict=True):
            for revision in share:
                key = _key(*revision)
                revision_of.setdefault(key, revision)
                names = wanted_by.setdefault(key, [])
                if scorer.name not in names:
                    names.append(scorer.name)
        if not revision_of:
            return {}
        with timed_stage(self._label(scorers), "mediawiki_fetch"):
            contexts = await self.fetcher.fetch_edits(list(revision_of.values()))
        results: dict[ModelRevision, Outcome] = {}
        groups: dict[tuple[str, ...], list[EditContext]] = {}
        for key, context in zip(revision_of, contexts, strict=True):
            if isinstance(context, ServiceError):
                results.update({(name, key): context for name in wanted_by[key]})
                continue
            fetched[key] = context
            groups.setdefault(tuple(wanted_by[key]), []).append(context)
        # One call per group of revisions that the same models want: each revision goes to the
        # scoring processes once.
        group_answers = await asyncio.gather(
            *(
                self._score_group([by_name[n] for n in names], group, explain)
                for names, group in groups.items()
            )
        )
        for (names, group), (bodies, diffs) in zip(groups.items(), group_answers, strict=True):
            for name in names:
                outcomes = bodies[name]
                for context, outcome in zip(group, outcomes, strict=True):
                    results[(name, _key(context.wiki, context.revision.rev_id))] = outcome
                self.listeners.announce(
                    [(c.wiki, c.revision.rev_id) for c in group],
                    outcomes,
                    fetched,
                    origin,
                    # The patrol page's reasons and diff, from what the scoring call returned.
                    edit_notes(by_name[name].feature_names, diffs, outcomes) if diffs else None,
                )
        return results

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
        revisions: Sequence[Revision],
        answers: Sequence[ModelAnswers],
        computed: set[ModelRevision],
        fetched: Mapping[RevisionKey, EditContext],
        origin: Origin,
    ) -> None:
        pending: list[tuple[Wiki, int, dict[str, Any]]] = []
        # Each (model, revision) is announced once: those computed here were, with their score.
        announced = set(computed)
        for scorer, answer in zip(scorers, answers, strict=True):
            for (wiki, rev_id), outcome in zip(revisions, answer.outcomes, strict=True):
                mark = (scorer.name, _key(wiki, rev_id))
                if not isinstance(outcome, dict) or mark in announced:
                    continue
                announced.add(mark)
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
