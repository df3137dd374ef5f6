"""Fetches each revision once and solves its signals once, for every model that asks (the
signals all of them read, `signal_names`).

The KServe model uses one per request; the precacher uses one per batch of stream revisions, so
a revision that both models serve is fetched and parsed a single time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from revertrisk_service.errors import ServiceError
from revertrisk_service.mediawiki.types import EditContext
from revertrisk_service.observability.metrics import timed_stage
from revertrisk_service.serving.scoring_pool import ScoringRunner
from revertrisk_service.signals import SignalValues
from revertrisk_service.wikis import Wiki

log = logging.getLogger(__name__)



class FactsFailed:
    """The edit was fetched but its facts could not be computed (logged); each model answers
    with its own ScoringFailed."""


FACTS_FAILED = FactsFailed()
FactsOutcome = SignalValues | ServiceError | FactsFailed


class EditFetcher(Protocol):
    async def fetch_edits(
        self, requests: list[tuple[Wiki, int]]
    ) -> list[EditContext | ServiceError]: ...


async def compute_facts(
    contexts: Sequence[EditContext], runner: ScoringRunner, signal_names: Sequence[str]
) -> list[FactsOutcome]:
    """Parse the edits off the event loop (in the scoring processes when served); a parser crash
    fails those edits, not the process."""
    if not contexts:
        return []
    try:
        return list(await runner.facts(contexts, signal_names))
    except Exception:
        log.exception("could not compute the edit facts of %d revisions", len(contexts))
        return [FACTS_FAILED for _ in contexts]


class RevisionFacts:
    def __init__(
        self,
        fetcher: EditFetcher,
        runner: ScoringRunner,
        signal_names: Sequence[str],
        metrics_label: str = "shared",
    ) -> None:
        """signal_names: what every model that asks reads (models.scorer.signals_needed).
        metrics_label: the model its stage timings are counted for ("shared" when several)."""
        self._signal_names = tuple(signal_names)
        self._fetcher = fetcher
        self._runner = runner
        self._label = metrics_label
        self._known: dict[tuple[str, int], asyncio.Future[FactsOutcome]] = {}
        # The fetched edits, for what announces a new score (scored_edits) besides the facts.
        self.contexts: dict[tuple[str, int], EditContext] = {}

    async def get(self, revisions: Sequence[tuple[Wiki, int]]) -> list[FactsOutcome]:
        missing: list[tuple[Wiki, int]] = []
        loop = asyncio.get_running_loop()
        for wiki, rev_id in revisions:
            key = (wiki.dbname, rev_id)
            if key not in self._known:
                self._known[key] = loop.create_future()
                missing.append((wiki, rev_id))
        if missing:
            await self._resolve(missing)
        return [await self._known[(wiki.dbname, rev_id)] for wiki, rev_id in revisions]

    async def _resolve(self, missing: list[tuple[Wiki, int]]) -> None:
        try:
            with timed_stage(self._label, "mediawiki_fetch"):
                fetched = await self._fetcher.fetch_edits(missing)
            for (wiki, rev_id), outcome in zip(missing, fetched, strict=True):
                if isinstance(outcome, EditContext):
                    self.contexts[(wiki.dbname, rev_id)] = outcome
            contexts = [c for c in fetched if not isinstance(c, ServiceError)]
            with timed_stage(self._label, "edit_facts"):
                parsed = iter(await compute_facts(contexts, self._runner, self._signal_names))
            for (wiki, rev_id), outcome in zip(missing, fetched, strict=True):
                result = outcome if isinstance(outcome, ServiceError) else next(parsed)
                self._known[(wiki.dbname, rev_id)].set_result(result)
        except BaseException as exc:
            for wiki, rev_id in missing:
                future = self._known.pop((wiki.dbname, rev_id))
                if not future.done():
                    future.set_exception(exc)
                    future.exception()  # retrieved: the caller gets `exc` raised directly
            raise
