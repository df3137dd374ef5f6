"""One KServe model per revert-risk model: preprocess parses, predict answers through the scoring
engine (scoring.revision_scoring: cache, fetch, one scoring call), postprocess shapes the response.

The engine is built once per process (server.assembly.build_scoring) and given to every model, to
the ORES layer and to in-process precaching: a revision any of them scores is fetched, scored and
cached in one place."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import kserve
from prometheus_client import Counter

from revertrisk_service.errors import ServiceError, UnsupportedLanguage
from revertrisk_service.explanations.options import ExplainOptions, explain_options
from revertrisk_service.explanations.shaping import shown_result
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.scored_edits import Origin, origin_of
from revertrisk_service.scoring.cache_layer import CacheLayer
from revertrisk_service.scoring.revision_scoring import RevisionScoring
from revertrisk_service.scoring.shadow import Champions
from revertrisk_service.serving.predict_input import PredictInput, carried
from revertrisk_service.serving.presave import context_from_revision_data
from revertrisk_service.serving.refresh import wants_refresh
from revertrisk_service.serving.requests import ParsedRequest, RejectedInstance, RevisionRef
from revertrisk_service.serving.responses import batch_error_body
from revertrisk_service.transparency.caution_flags import CautionFlags, caution_requested
from revertrisk_service.wikis import Wiki

log = logging.getLogger(__name__)

# Shaped like cache_layer's counter (a duplicates-tool pair, imports and all): this counts the
# answers per outcome, that one the cache's lookups; each module owns its own.
SCORED = Counter(
    "revertrisk_revisions_total",
    "Revisions answered, by model and outcome (ok or the error code).",
    ["model", "outcome"],
)

__all__ = ["RevertRiskModel", "count_answers"]


@dataclass
class Slot:
    """One revision of a request on its way through the pipeline."""

    index: int
    lang: object
    rev_id: object
    wiki: Wiki | None = None
    # Set only for pre-save requests, which bring their own edit instead of a revision id.
    context: EditContext | None = None
    result: dict[str, Any] | None = None
    error: ServiceError | None = None

    @property
    def pending(self) -> bool:
        return self.wiki is not None and self.result is None and self.error is None


@dataclass
class ScoringJob:
    request: ParsedRequest
    refresh: bool
    # The version that answers this request, read once when it arrives: a promotion while it
    # is under way never mixes two versions in one answer.
    scorer: Scorer
    slots: list[Slot] = field(default_factory=list)
    origin: Origin = "request"
    # X-Cache and X-Cache-Hits, kept for an error answer, which skips KServe's response headers.
    cache_headers: dict[str, str] = field(default_factory=dict)
    # What the request asked to be shown; None: no explanation in the response.
    explain: ExplainOptions | None = None
    # Whether each answer carries its caution-level flags (transparency.caution_flags).
    caution: bool = False


def count_answers(model: str, outcomes: Iterable[object]) -> None:
    """Count revisions answered, for every front door (KServe's predict, ORES)."""
    for outcome in outcomes:
        if outcome is not None:  # None: the model does not serve that wiki, nothing answered
            SCORED.labels(model, outcome.code if isinstance(outcome, ServiceError) else "ok").inc()


class RevertRiskModel(kserve.Model):
    def __init__(
        self,
        name: str,
        load_scorer: Callable[[], Scorer],
        scoring: RevisionScoring,
        *,
        max_batch_size: int,
        presave_enabled: bool,
        live: Champions | None = None,
    ) -> None:
        super().__init__(name, return_response_headers=True)
        # With model versions: the champion of the moment answers, so a promotion needs no
        # restart; each request reads it once (`loaded`) and keeps it to the end (ScoringJob).
        self.live = live
        # Set by the server: the thresholds behind the caution-level flags a request asks for.
        self.caution_flags: CautionFlags | None = None
        self._load_scorer = load_scorer
        self.scorer: Scorer | None = None
        self.scoring = scoring
        self.max_batch_size = max_batch_size
        self.presave_enabled = presave_enabled

    @classmethod
    def with_scorer(
        cls, scorer: Scorer, scoring: RevisionScoring, **options: Any
    ) -> RevertRiskModel:
        """A model around an already loaded scorer, ready at once."""
        model = cls(scorer.name, lambda: scorer, scoring, **options)
        model.load()
        return model

    def load(self) -> bool:
        self.scorer = self._load_scorer()
        log.info("Loaded %s version %s", self.scorer.name, self.scorer.version)
        self.ready = True
        return self.ready

    @property
    def loaded(self) -> Scorer:
        if self.live is not None:
            return self.live.champion(self.name)
        if self.scorer is None:
            raise RuntimeError(f"{self.name} was used before load()")
        return self.scorer

    @property
    def version(self) -> str:
        return self.loaded.version

    @property
    def cache(self) -> CacheLayer | None:
        return self.scoring.cache

    async def preprocess(
        self, payload: Any, headers: dict[str, str] | None = None
    ) -> ScoringJob:
        scorer = self.loaded
        try:
            predict = _input_of(payload)
            parsed = predict.parsed(
                max_batch_size=self.max_batch_size, presave_enabled=self.presave_enabled
            )
            return ScoringJob(
                parsed,
                wants_refresh(headers),
                scorer,
                self._slots_for(parsed, scorer),
                origin_of(headers, parsed.kind),
                explain=explain_options(predict.request_payload(), headers),
                caution=caution_requested(predict.request_payload()),
            )
        except ServiceError as error:
            # A request rejected as a whole counts as one revision answered with that error,
            # as each rejected instance of a batch does.
            SCORED.labels(self.name, error.code).inc()
            raise

    def _slots_for(self, parsed: ParsedRequest, scorer: Scorer) -> list[Slot]:
        if parsed.kind == "presave":
            assert parsed.presave is not None
            context = context_from_revision_data(parsed.presave)
            slot = Slot(0, context.wiki.lang, context.revision.rev_id, context.wiki, context)
            self._check_supported(slot, scorer)
            return [slot]
        slots = []
        for index, item in enumerate(parsed.items):
            if isinstance(item, RejectedInstance):
                slots.append(Slot(index, item.raw_lang, item.raw_rev_id, error=item.error))
                continue
            slot = Slot(index, item.wiki.lang, item.rev_id, wiki=item.wiki)
            self._check_supported(slot, scorer)
            slots.append(slot)
        return slots

    def _check_supported(self, slot: Slot, scorer: Scorer) -> None:
        if slot.wiki is not None and not scorer.supports(slot.wiki):
            langs = sorted(scorer.supported_langs() or [])
            slot.error = UnsupportedLanguage(
                f"{self.name} does not serve {slot.wiki.dbname}. Supported languages: "
                f"{', '.join(langs)}.",
                supported_langs=langs,
            )

    async def predict(
        self,
        job: ScoringJob,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> ScoringJob:
        """Answer every pending revision: from the cache, or fetched, parsed and scored."""
        explain = job.explain is not None
        presave = [s for s in job.slots if s.pending and s.context is not None]
        if presave:
            contexts = [s.context for s in presave if s.context is not None]
            (outcomes,) = await self.scoring.score_contexts([job.scorer], contexts, explain)
            self._settle(presave, outcomes)
        stored = [s for s in job.slots if s.pending and s.context is None]
        (answers,) = await self.scoring.score(
            [job.scorer],
            _revisions(stored),
            refresh=job.refresh,
            origin=job.origin,
            explain=explain,
        )
        self._settle(stored, answers.outcomes)
        if self.cache is not None:
            job.cache_headers = answers.headers
            if response_headers is not None:
                response_headers.update(answers.headers)
        return job

    def answer_held(
        self, predict: PredictInput, headers: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, str]] | None:
        """The response body and cache headers for a single-revision request whose score this
        process holds in memory, computed without awaiting anything; None for every other
        request, which then takes KServe's path and is answered there, errors included."""
        if not self.ready or self.cache is None:
            return None
        try:
            if predict.is_cloudevent:  # KServe answers an event as one
                return None
            parsed = predict.parsed(
                max_batch_size=self.max_batch_size, presave_enabled=self.presave_enabled
            )
            explained = explain_options(predict.request_payload(), headers)
            flags = caution_requested(predict.request_payload())
        except ServiceError:
            return None
        if parsed.kind != "single" or explained is not None or flags or wants_refresh(headers):
            return None
        (item,) = parsed.items
        # Only a batch holds rejected instances; a bad single request raised above.
        assert isinstance(item, RevisionRef)
        scorer = self.loaded
        if not scorer.supports(item.wiki):
            return None
        origin = origin_of(headers, parsed.kind)
        answer = self.scoring.answer_held(scorer, item.wiki, item.rev_id, origin)
        if answer is None:
            return None
        (result,) = answer.outcomes
        assert isinstance(result, dict)
        SCORED.labels(self.name, "ok").inc()
        return shown_result(result, scorer.feature_names, None), answer.headers

    @staticmethod
    def _settle(slots: Sequence[Slot], outcomes: Sequence[Any]) -> None:
        for slot, outcome in zip(slots, outcomes, strict=True):
            if isinstance(outcome, ServiceError):
                slot.error = outcome
            else:
                slot.result = outcome

    async def postprocess(
        self,
        job: ScoringJob,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        for slot in job.slots:
            SCORED.labels(self.name, "ok" if slot.result else _error_code(slot)).inc()
        names = job.scorer.feature_names
        flags = self.caution_flags if job.caution else None

        def shown(result: dict[str, Any]) -> dict[str, Any]:
            body = shown_result(result, names, job.explain)
            return flags.flagged(body) if flags is not None else body

        if job.request.kind != "batch":
            (slot,) = job.slots
            if slot.error is not None:
                raise slot.error.with_headers(job.cache_headers)
            assert slot.result is not None
            return shown(slot.result)
        return {
            "predictions": [shown(s.result) for s in job.slots if s.result is not None],
            "errors": [
                batch_error_body(s.index, s.lang, s.rev_id, s.error)
                for s in job.slots
                if s.error is not None
            ],
        }


def _input_of(payload: Any) -> PredictInput:
    """The input the HTTP edge decoded and carried with this request; else (a model called
    directly, or KServe handing over bytes of a content type it does not decode) one of its own."""
    carried_input = carried()
    if carried_input is not None:
        return carried_input
    return PredictInput(payload) if isinstance(payload, bytes) else PredictInput(None, payload)


def _revisions(slots: Sequence[Slot]) -> list[tuple[Wiki, int]]:
    return [(s.wiki, int(s.rev_id)) for s in slots if s.wiki is not None]


def _error_code(slot: Slot) -> str:
    return slot.error.code if slot.error is not None else "internal_error"
