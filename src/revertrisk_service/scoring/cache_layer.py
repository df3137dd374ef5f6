"""Puts the score cache and request de-duplication in front of a model's fetch-and-score work.

`CacheLayer.answer` is the one step: per revision, a cache hit answers at once; a key another
request of this process is already computing is awaited (SingleFlight); with Redis, a key
another replica is computing is waited for up to a bound (RedisInflight); everything else is
computed by the caller's `compute`, stored, and handed to everyone waiting. Claims are released
whatever happens, and the response headers and counters are produced here too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter

from revertrisk_service.cache import (
    CacheItem,
    CacheValue,
    RedisInflight,
    ScoreCache,
    SingleFlight,
    score_cache_key,
)
from revertrisk_service.errors import (
    CachedError,
    ParentRevisionMissing,
    RevisionInfoDeleted,
    RevisionNotFound,
    ServiceError,
    UnsupportedContentModel,
)
from revertrisk_service.explanations.shaping import lacks_explanation
from revertrisk_service.wikis import Wiki

log = logging.getLogger(__name__)

CACHE_LOOKUPS = Counter(
    "revertrisk_score_cache_lookups_total",
    "Per-revision cache outcomes: hit, miss, shared (de-duplicated) or bypass (refresh).",
    ["model", "outcome"],
)

EXPLANATIONS_RECOMPUTED = Counter(
    "revertrisk_explanations_recomputed_total",
    "Scores computed again because an explanation was asked for and the score found (cached, "
    "or computed by a concurrent request) had none.",
    ["model"],
)

# Answers about the revision itself, stable enough to replay for a short while. Upstream
# failures (MediaWiki down) are never cached: the next request should try again.
NEGATIVE_CACHEABLE: tuple[type[ServiceError], ...] = (
    RevisionNotFound,
    ParentRevisionMissing,
    RevisionInfoDeleted,
    UnsupportedContentModel,
)


@dataclass
class CacheTicket:
    """A revision's relation to the cache for the duration of one request."""

    key: str
    status: str = "miss"
    owns_flight: bool = False
    owns_marker: bool = False
    # Found without the explanation this request needs: computed again, and stored, explained.
    recompute: bool = False


@dataclass
class CachedAnswers:
    """What one `answer` call produced: an outcome per revision and the cache's response headers."""

    outcomes: list[Any]
    headers: dict[str, str]


# Given the positions of the revisions this request must compute, their outcomes in that order:
# a response body (dict) or a ServiceError.
Compute = Callable[[list[int]], Awaitable[Sequence[Any]]]
# The same for several models at once: positions per model in, outcomes per model out.
ComputeMany = Callable[[list[list[int]]], Awaitable[Sequence[Sequence[Any]]]]


@dataclass(frozen=True)
class CacheRequest:
    """One model's revisions in an `answer_many` call."""

    model: str
    version: str
    revisions: Sequence[tuple[Wiki, int]]


@dataclass
class CacheSettings:
    ttl_s: float
    negative_ttl_s: float
    inflight_ttl_ms: int = 15_000
    inflight_wait_s: float = 5.0


@dataclass
class CacheLayer:
    cache: ScoreCache
    settings: CacheSettings
    inflight: RedisInflight | None = None
    flights: SingleFlight = field(default_factory=SingleFlight)

    async def answer(
        self,
        model: str,
        version: str,
        revisions: Sequence[tuple[Wiki, int]],
        *,
        refresh: bool,
        compute: Compute,
        explain: bool = False,
    ) -> CachedAnswers:
        """Answer every revision from the cache, from another computation, or via `compute`.
        With `explain`, a score without an explanation does not answer: it is computed again."""

        async def compute_one(todo: list[list[int]]) -> list[Sequence[Any]]:
            return [await compute(todo[0])]

        (answers,) = await self.answer_many(
            [CacheRequest(model, version, revisions)],
            refresh=refresh,
            compute=compute_one,
            explain=explain,
        )
        return answers

    async def answer_many(
        self,
        requests: Sequence[CacheRequest],
        *,
        refresh: bool,
        compute: ComputeMany,
        explain: bool = False,
    ) -> list[CachedAnswers]:
        """`answer` for several models at once: one `compute` call gets what every model must
        compute, so that a revision two models miss is fetched and parsed once."""
        tickets = [
            [
                CacheTicket(score_cache_key(r.model, r.version, wiki.dbname, rev_id))
                for wiki, rev_id in r.revisions
            ]
            for r in requests
        ]
        try:
            # One model (every /v1 request): awaited directly, as a gather costs a task per
            # model, a measurable share of a cache hit.
            outcomes = (
                [await self.lookup(tickets[0], refresh, explain)]
                if len(tickets) == 1
                else list(
                    await asyncio.gather(*(self.lookup(t, refresh, explain) for t in tickets))
                )
            )
            todo = [[i for i, o in enumerate(found) if o is None] for found in outcomes]
            if any(todo):
                for found, positions, computed in zip(
                    outcomes, todo, await compute(todo), strict=True
                ):
                    for i, outcome in zip(positions, computed, strict=True):
                        found[i] = outcome
            for model_tickets, found in zip(tickets, outcomes, strict=True):
                await self.store(model_tickets, found)
        finally:
            # Whatever failed before storing: waiters compute for themselves, markers go.
            for model_tickets in tickets:
                self.abandon(model_tickets)
                await self.release_markers(model_tickets)
        for request, model_tickets in zip(requests, tickets, strict=True):
            for ticket in model_tickets:
                CACHE_LOOKUPS.labels(request.model, ticket.status).inc()
                if ticket.recompute:
                    EXPLANATIONS_RECOMPUTED.labels(request.model).inc()
        return [
            CachedAnswers(found, response_headers(t))
            for found, t in zip(outcomes, tickets, strict=True)
        ]

    def answer_held(
        self, model: str, version: str, wiki: Wiki, rev_id: int
    ) -> CachedAnswers | None:
        """One revision's score if this process holds it in memory, counted as the hit it is;
        else None, and nothing is counted (the caller then takes the full path, which looks the
        revision up as usual). No I/O, no flight, no marker: http.local_hits answers with it
        before the request reaches KServe. Negative entries are left to the full path, which
        shapes their errors."""
        key = score_cache_key(model, version, wiki.dbname, rev_id)
        value = self.cache.peek(key)
        if value is None or "error" in value:
            return None
        CACHE_LOOKUPS.labels(model, "hit").inc()
        return CachedAnswers([value], response_headers([CacheTicket(key, status="hit")]))

    async def lookup(
        self, tickets: Sequence[CacheTicket], refresh: bool, explain: bool = False
    ) -> list[Any]:
        """For each ticket: a cached/shared answer (dict or ServiceError), or None to compute."""
        answers: list[Any] = [None] * len(tickets)
        if not tickets:
            return answers
        if not refresh:
            for i, value in enumerate(await self.cache.get_many([t.key for t in tickets])):
                if value is not None and not self._unexplained(tickets[i], value, explain):
                    tickets[i].status = "hit"
                    answers[i] = _from_cache_value(value)
        waits: list[tuple[int, asyncio.Future[Any]]] = []
        claimed_here: set[str] = set()
        for i, ticket in enumerate(tickets):
            if answers[i] is not None:
                continue
            if ticket.key in claimed_here:
                # The same revision twice in one batch: waiting for our own flight would
                # deadlock (it resolves only when this request stores), so compute it again.
                ticket.status = "bypass" if refresh else "miss"
                continue
            claimed_here.add(ticket.key)
            flight = self.flights.claim(ticket.key)
            if flight is None:
                ticket.owns_flight = True
                ticket.status = "bypass" if refresh else "miss"
            else:
                waits.append((i, flight))
        if self.inflight is not None and not refresh:
            await self._wait_for_other_replicas(tickets, answers, explain)
        if waits:
            outcomes = await asyncio.gather(
                *(asyncio.shield(f) for _, f in waits), return_exceptions=True
            )
            for (i, _), outcome in zip(waits, outcomes, strict=True):
                if isinstance(outcome, dict) and self._unexplained(tickets[i], outcome, explain):
                    continue
                if isinstance(outcome, dict):
                    answers[i] = _from_cache_value(outcome)
                    tickets[i].status = "shared"
                elif isinstance(outcome, ServiceError):
                    answers[i] = outcome
                    tickets[i].status = "shared"
                # Anything else (the owner abandoned): this request computes it itself.
        return answers

    @staticmethod
    def _unexplained(ticket: CacheTicket, value: dict[str, Any], explain: bool) -> bool:
        """A score that cannot answer a request for an explanation; marks it to be recomputed."""
        if explain and lacks_explanation(value):
            ticket.recompute = True
            return True
        return False

    async def _wait_for_other_replicas(
        self, tickets: Sequence[CacheTicket], answers: list[Any], explain: bool = False
    ) -> None:
        assert self.inflight is not None
        owned = [(i, t) for i, t in enumerate(tickets) if t.owns_flight]
        if not owned:  # every revision was a hit
            return
        acquired = await asyncio.gather(
            *(self.inflight.try_acquire(t.key, self.settings.inflight_ttl_ms) for _, t in owned)
        )
        waiting = [(i, t) for (i, t), got in zip(owned, acquired, strict=True) if not got]
        for (_, t), got in zip(owned, acquired, strict=True):
            t.owns_marker = got
        values = await asyncio.gather(
            *(
                self.inflight.wait_for_result(t.key, self.cache, self.settings.inflight_wait_s)
                for _, t in waiting
            )
        )
        for (i, ticket), value in zip(waiting, values, strict=True):
            if value is not None and not self._unexplained(ticket, value, explain):
                answers[i] = _from_cache_value(value)
                ticket.status = "shared"
                ticket.owns_flight = False
                self.flights.resolve(ticket.key, value)

    async def store(self, tickets: Sequence[CacheTicket], outcomes: Sequence[Any]) -> None:
        """Cache what this request computed and hand it to everyone waiting on it."""
        items: list[CacheItem] = []
        for ticket, outcome in zip(tickets, outcomes, strict=True):
            if not (ticket.owns_flight or ticket.recompute):
                continue
            value = _to_cache_value(outcome)
            if value is not None:
                ttl = self.settings.ttl_s if "error" not in value else self.settings.negative_ttl_s
                items.append((ticket.key, value, ttl))
        if items:
            await self.cache.set_many(items)
        for ticket, outcome in zip(tickets, outcomes, strict=True):
            if ticket.owns_flight:
                if isinstance(outcome, dict):
                    self.flights.resolve(ticket.key, outcome)
                elif isinstance(outcome, ServiceError):
                    self.flights.fail(ticket.key, outcome)
                else:
                    self.flights.abandon(ticket.key)
                ticket.owns_flight = False
        await self.release_markers(tickets)

    def abandon(self, tickets: Sequence[CacheTicket]) -> None:
        """The request failed before storing: let waiters compute for themselves."""
        for ticket in tickets:
            if ticket.owns_flight:
                self.flights.abandon(ticket.key)
                ticket.owns_flight = False

    async def release_markers(self, tickets: Sequence[CacheTicket]) -> None:
        if self.inflight is None:
            return
        owned = [t for t in tickets if t.owns_marker]
        if not owned:
            return
        for ticket in owned:
            ticket.owns_marker = False
        await asyncio.gather(*(self.inflight.release(t.key) for t in owned))

    async def close(self) -> None:
        await self.cache.close()


def _to_cache_value(outcome: Any) -> CacheValue | None:
    if isinstance(outcome, dict):
        return outcome
    if isinstance(outcome, NEGATIVE_CACHEABLE):
        return {"error": {"code": outcome.code, "status": outcome.status, "message": outcome.message}}
    return None


def _from_cache_value(value: CacheValue) -> Any:
    error = value.get("error")
    if isinstance(error, dict):
        return CachedError(str(error["code"]), int(error["status"]), str(error["message"]))
    return value


def response_headers(tickets: Sequence[CacheTicket]) -> dict[str, str]:
    hits = sum(t.status in {"hit", "shared"} for t in tickets)
    return {
        "X-Cache": summarise([t.status for t in tickets]),
        "X-Cache-Hits": f"{hits}/{len(tickets)}",
    }


def summarise(statuses: Sequence[str]) -> str:
    """One X-Cache value for a response: hit, miss, shared, bypass or partial."""
    distinct = set(statuses)
    if not distinct:
        return "none"
    if len(distinct) == 1:
        return distinct.pop()
    return "partial"
