"""Writing and reading judgments. Every call is blocking SQLAlchemy, run in a worker thread by the
async wrappers so the event loop never waits on the database.

- A judgment is one transaction: its history row and the upsert of the current row commit
  together or not at all; the caller answers 201 only after the commit returned.
- Any database failure becomes FeedbackUnavailable (503, `feedback_unavailable`). Nothing is
  retried here: the client owns the retry, and the next call simply tries again on a fresh
  pooled connection, so the service recovers by itself when the database is back.
- The schema is brought to the newest migration on the first call that reaches the database
  (not at start), so a service started while its database is down still starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from sqlalchemy import Engine, case, func, insert, select

from revertrisk_service.errors import FeedbackUnavailable
from revertrisk_service.feedback.database import MigratedDatabase, as_utc
from revertrisk_service.feedback.judgments import JUDGMENTS, Judgment
from revertrisk_service.feedback.schema import current, judgments

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Tally:
    """Judgments behind one figure: how many, and how many of them said "damaging"."""

    n: int = 0
    damaging: int = 0


@dataclass(frozen=True)
class ObservedCounts:
    by_judgment: dict[str, int]
    by_wiki: dict[str, dict[str, int]]
    with_score: int
    # preset name -> (all wikis, per wiki); absent when the preset has no threshold.
    flagged: dict[str, tuple[Tally, dict[str, Tally]]]


class FeedbackStore(MigratedDatabase):
    database_name = "feedback"
    logger = log

    def __init__(self, engine: Engine, max_threads: int = 8) -> None:
        super().__init__(engine)
        self._threads = anyio.CapacityLimiter(max_threads)

    def unavailable(self) -> FeedbackUnavailable:
        return FeedbackUnavailable(
            "The feedback database is unavailable; nothing was recorded. Try again shortly."
        )

    # -- writes ------------------------------------------------------------------------------

    def record(self, judgment: Judgment) -> int:
        """Commit one judgment: a history row, and the current row replaced. Returns its id."""
        fields = {
            "judgment": judgment.judgment,
            "comment": judgment.comment,
            "model_name": judgment.model_name,
            "score": judgment.score,
            "tool": judgment.tool,
            "judged_at": judgment.judged_at,
        }
        key = {"wiki_db": judgment.wiki_db, "rev_id": judgment.rev_id,
               "reviewer": judgment.reviewer}
        with self._database("recording a judgment"), self.engine.begin() as connection:
            judgment_id = connection.execute(
                insert(judgments).values(**key, **fields).returning(judgments.c.id)
            ).scalar_one()
            upsert = self._dialect.insert(current).values(**key, judgment_id=judgment_id, **fields)
            connection.execute(
                upsert.on_conflict_do_update(
                    index_elements=[current.c.wiki_db, current.c.rev_id, current.c.reviewer],
                    set_={"judgment_id": judgment_id, **fields},
                )
            )
        return int(judgment_id)

    # -- reads -------------------------------------------------------------------------------

    def observed(self, model_name: str, thresholds: Mapping[str, float | None]) -> ObservedCounts:
        """Counts of the current judgments of `model_name`'s scores, and at each threshold the
        judgments of edits it would have flagged (score >= threshold)."""
        of_model = current.c.model_name == model_name
        damaging = func.sum(case((current.c.judgment == "damaging", 1), else_=0))
        with self._database("reading observed precision"), self.engine.connect() as connection:
            rows = connection.execute(
                select(current.c.wiki_db, current.c.judgment, func.count())
                .where(of_model)
                .group_by(current.c.wiki_db, current.c.judgment)
            ).all()
            with_score = connection.execute(
                select(func.count()).where(of_model, current.c.score.is_not(None))
            ).scalar_one()
            flagged: dict[str, tuple[Tally, dict[str, Tally]]] = {}
            for preset, threshold in thresholds.items():
                if threshold is None:
                    continue
                per_wiki = {
                    wiki: Tally(int(n), int(bad or 0))
                    for wiki, n, bad in connection.execute(
                        select(current.c.wiki_db, func.count(), damaging)
                        .where(of_model, current.c.score >= threshold)
                        .group_by(current.c.wiki_db)
                    ).all()
                }
                total = Tally(sum(t.n for t in per_wiki.values()),
                              sum(t.damaging for t in per_wiki.values()))
                flagged[preset] = (total, per_wiki)
        by_judgment = dict.fromkeys(JUDGMENTS, 0)
        by_wiki: dict[str, dict[str, int]] = {}
        for wiki, judgment, n in rows:
            by_judgment[judgment] = by_judgment.get(judgment, 0) + int(n)
            by_wiki.setdefault(wiki, dict.fromkeys(JUDGMENTS, 0))[judgment] = int(n)
        return ObservedCounts(by_judgment, by_wiki, int(with_score), flagged)

    def current_judgments(self) -> list[dict[str, Any]]:
        """Every current judgment (the latest per revision and reviewer), oldest first."""
        with self._database("reading judgments"), self.engine.connect() as connection:
            rows = connection.execute(
                select(current).order_by(current.c.judged_at, current.c.judgment_id)
            ).mappings().all()
        return [{**row, "judged_at": as_utc(row["judged_at"])} for row in rows]

    def history(self, wiki_db: str, rev_id: int) -> list[dict[str, Any]]:
        """Every judgment ever recorded for one revision, oldest first."""
        with self._database("reading history"), self.engine.connect() as connection:
            rows = connection.execute(
                select(judgments)
                .where(judgments.c.wiki_db == wiki_db, judgments.c.rev_id == rev_id)
                .order_by(judgments.c.id)
            ).mappings().all()
        return [dict(row) for row in rows]

    # -- off the event loop ------------------------------------------------------------------

    async def _in_thread(self, call: Callable[..., T], *args: Any) -> T:
        return await anyio.to_thread.run_sync(call, *args, limiter=self._threads)

    async def arecord(self, judgment: Judgment) -> int:
        return await self._in_thread(self.record, judgment)

    async def aobserved(
        self, model_name: str, thresholds: Mapping[str, float | None]
    ) -> ObservedCounts:
        return await self._in_thread(self.observed, model_name, thresholds)
