"""One KServe model per revert-risk model: preprocess fetches, predict scores, postprocess shapes."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import kserve
from prometheus_client import Counter

from revertrisk_service.errors import ScoringFailed, ServiceError, UnsupportedLanguage
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.models.scorer import Scorer
from revertrisk_service.serving.cache_layer import (
    CACHE_LOOKUPS,
    CacheLayer,
    CacheTicket,
    summarise,
)
from revertrisk_service.serving.presave import context_from_revision_data
from revertrisk_service.serving.requests import (
    ParsedRequest,
    RejectedInstance,
    parse_request,
)
from revertrisk_service.serving.responses import batch_error_body, prediction_body
from revertrisk_service.wikis import Wiki

log = logging.getLogger(__name__)

SCORED = Counter(
    "revertrisk_revisions_total",
    "Revisions answered, by model and outcome (ok or the error code).",
    ["model", "outcome"],
)


class EditFetcher(Protocol):
    async def fetch_edits(
        self, requests: list[tuple[Wiki, int]]
    ) -> list[EditContext | ServiceError]: ...


@dataclass
class Slot:
    """One revision of a request on its way through the pipeline."""

    index: int
    lang: object
    rev_id: object
    wiki: Wiki | None = None
    context: EditContext | None = None
    probability: float | None = None
    result: dict[str, Any] | None = None
    error: ServiceError | None = None
    ticket: CacheTicket | None = None

    @property
    def needs_scoring(self) -> bool:
        return self.context is not None and self.result is None and self.error is None


@dataclass
class ScoringJob:
    request: ParsedRequest
    slots: list[Slot] = field(default_factory=list)

    @property
    def tickets(self) -> list[CacheTicket]:
        return [s.ticket for s in self.slots if s.ticket is not None]


# The job of the request this task is serving, so that __call__ can release its cache claims
# whatever stage fails: KServe hands the job from stage to stage but not back on an exception.
_current_job: contextvars.ContextVar[list[ScoringJob]] = contextvars.ContextVar("current_job")

REFRESH_HEADER = "x-revertrisk-refresh"


def wants_refresh(headers: dict[str, str] | None) -> bool:
    if not headers:
        return False
    cache_control = headers.get("cache-control", "").lower()
    return "no-cache" in cache_control or headers.get(REFRESH_HEADER, "") in {"1", "true"}


class RevertRiskModel(kserve.Model):
    def __init__(
        self,
        scorer: Scorer,
        fetcher: EditFetcher,
        *,
        max_batch_size: int,
        presave_enabled: bool,
        cpu_workers: int = 2,
        cache: CacheLayer | None = None,
    ) -> None:
        super().__init__(scorer.name, return_response_headers=True)
        self.scorer = scorer
        self.fetcher = fetcher
        self.max_batch_size = max_batch_size
        self.presave_enabled = presave_enabled
        self.cache = cache
        # A pool per model: a slow multilingual batch must not queue up the cheap model's scoring.
        self._cpu = ThreadPoolExecutor(max_workers=cpu_workers, thread_name_prefix=scorer.name)
        self.ready = True

    @property
    def version(self) -> str:
        return self.scorer.version

    async def preprocess(
        self, payload: Any, headers: dict[str, str] | None = None
    ) -> ScoringJob:
        if isinstance(payload, bytes | str):
            # KServe leaves non-JSON content types undecoded; curl -d sends form encoding by
            # default, and the guard has already checked that the body is JSON.
            payload = json.loads(payload)
        parsed = parse_request(
            payload, max_batch_size=self.max_batch_size, presave_enabled=self.presave_enabled
        )
        job = ScoringJob(request=parsed, slots=self._slots_for(parsed))
        holder = _current_job.get(None)
        if holder is not None:
            holder.append(job)
        await self._consult_cache(job, wants_refresh(headers))
        await self._fetch(job)
        return job

    async def __call__(self, body: Any, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        holder: list[ScoringJob] = []
        token = _current_job.set(holder)
        try:
            return await super().__call__(body, headers=headers, **kw)
        finally:
            _current_job.reset(token)
            if self.cache is not None:
                for job in holder:
                    self.cache.abandon(job.tickets)
                    await self.cache.release_markers(job.tickets)

    async def _consult_cache(self, job: ScoringJob, refresh: bool) -> None:
        if self.cache is None:
            return
        cacheable = [
            s for s in job.slots
            if s.error is None and s.context is None and s.wiki is not None
        ]
        tickets = []
        for slot in cacheable:
            assert slot.wiki is not None
            slot.ticket = self.cache.ticket(self.name, self.version, slot.wiki, int(slot.rev_id))
            tickets.append(slot.ticket)
        answers = await self.cache.lookup(tickets, refresh)
        for slot, answer in zip(cacheable, answers, strict=True):
            if isinstance(answer, ServiceError):
                slot.error = answer
            elif answer is not None:
                slot.result = answer

    def _slots_for(self, parsed: ParsedRequest) -> list[Slot]:
        if parsed.kind == "presave":
            assert parsed.presave is not None
            context = context_from_revision_data(parsed.presave)
            slot = Slot(0, context.wiki.lang, context.revision.rev_id, wiki=context.wiki)
            slot.context = context
            self._check_supported(slot)
            return [slot]
        slots = []
        for index, item in enumerate(parsed.items):
            if isinstance(item, RejectedInstance):
                slots.append(Slot(index, item.raw_lang, item.raw_rev_id, error=item.error))
                continue
            slot = Slot(index, item.wiki.lang, item.rev_id, wiki=item.wiki)
            self._check_supported(slot)
            slots.append(slot)
        return slots

    def _check_supported(self, slot: Slot) -> None:
        if slot.wiki is not None and not self.scorer.supports(slot.wiki):
            langs = self.scorer.supported_langs() or []
            slot.error = UnsupportedLanguage(
                f"{self.name} does not serve {slot.wiki.dbname}. Supported languages: "
                f"{', '.join(sorted(langs))}.",
                supported_langs=sorted(langs),
            )

    async def _fetch(self, job: ScoringJob) -> None:
        pending = [
            s
            for s in job.slots
            if s.error is None and s.result is None and s.context is None and s.wiki is not None
        ]
        if not pending:
            return
        fetched = await self.fetcher.fetch_edits(
            [(s.wiki, int(s.rev_id)) for s in pending if s.wiki is not None]
        )
        for slot, outcome in zip(pending, fetched, strict=True):
            if isinstance(outcome, ServiceError):
                slot.error = outcome
            else:
                slot.context = outcome

    async def predict(
        self,
        job: ScoringJob,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> ScoringJob:
        todo = [s for s in job.slots if s.needs_scoring]
        if todo:
            contexts = [s.context for s in todo if s.context is not None]
            loop = asyncio.get_running_loop()
            try:
                probabilities = await loop.run_in_executor(self._cpu, self.scorer.score, contexts)
            except Exception:
                log.exception("%s failed to score %d revisions", self.name, len(todo))
                for slot in todo:
                    slot.error = ScoringFailed(f"{self.name} could not score this revision.")
                return job
            for slot, probability in zip(todo, probabilities, strict=True):
                slot.probability = float(probability)
        return job

    async def postprocess(
        self,
        job: ScoringJob,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        for slot in job.slots:
            if slot.result is None and slot.probability is not None and slot.wiki is not None:
                slot.result = prediction_body(
                    self.name, self.version, slot.wiki.dbname, int(slot.rev_id), slot.probability
                )
            SCORED.labels(self.name, "ok" if slot.result else self._error_code(slot)).inc()
        if self.cache is not None:
            tickets = job.tickets
            await self.cache.store(
                tickets, [s.result or s.error for s in job.slots if s.ticket is not None]
            )
            if response_headers is not None:
                response_headers["X-Cache"] = summarise([t.status for t in tickets])
                hits = sum(t.status in {"hit", "shared"} for t in tickets)
                response_headers["X-Cache-Hits"] = f"{hits}/{len(tickets)}"
            for ticket in tickets:
                CACHE_LOOKUPS.labels(self.name, ticket.status).inc()
        if job.request.kind != "batch":
            (slot,) = job.slots
            if slot.error is not None:
                raise slot.error
            assert slot.result is not None
            return slot.result
        return {
            "predictions": [s.result for s in job.slots if s.result is not None],
            "errors": [
                batch_error_body(s.index, s.lang, s.rev_id, s.error)
                for s in job.slots
                if s.error is not None
            ],
        }

    @staticmethod
    def _error_code(slot: Slot) -> str:
        return slot.error.code if slot.error is not None else "internal_error"

    def stop(self) -> None:
        self._cpu.shutdown(wait=False, cancel_futures=True)
        super().stop()
