"""The outcome store in the feedback database (SQLite by default, PostgreSQL for replicas).

Every call is blocking SQLAlchemy; the detector and the score recorder call it from their own
writer threads, the quality endpoint through a worker thread. Writes are idempotent so that a
replayed stream (after a restart, or several precache replicas reading one stream) never
duplicates or changes a row: a score is replaced by the same score, and an outcome, once
decided, stands (the first decision wins, as the dataset labels' first revert does). Any
database failure becomes OutcomesUnavailable; callers keep what they could not write and try
again.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, exists, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from revertrisk_service.errors import OutcomesUnavailable
from revertrisk_service.feedback.engine import make_feedback_engine
from revertrisk_service.feedback.migrate import upgrade_to_head
from revertrisk_service.outcomes.records import (
    DecidedScore,
    DecisionSource,
    Outcome,
    PageRevision,
    RecordedScore,
    ScoreFilter,
)
from revertrisk_service.outcomes.schema import outcomes, page_revisions, scores

log = logging.getLogger(__name__)


GRID = 1000  # bins per unit score: the threshold tables' 0.001 step


def score_bin(probability: float) -> int:
    """The grid bin of a score: bin k holds scores in [k/1000, (k+1)/1000), so "score >= a grid
    threshold t" is "bin >= 1000 t". The epsilon keeps a score that is a grid value as a double
    (0.123) from falling a bin short (0.123 * 1000 = 122.99999999999999)."""
    return min(GRID, max(0, math.floor(probability * GRID + 1e-9)))


@dataclass(frozen=True)
class BinCount:
    """Decided edits of one wiki and kind of editor with one outcome, source and score bin."""

    wiki_db: str
    editor_anonymous: bool
    score_bin: int
    reverted: bool
    decided_by: DecisionSource
    count: int
    probability_sum: float


def as_utc(moment: datetime) -> datetime:
    """SQLite gives timestamps back without a zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SqlOutcomeStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        self._dialect = postgresql if engine.dialect.name == "postgresql" else sqlite

    @classmethod
    def from_url(cls, url: str, timeout_s: float) -> SqlOutcomeStore:
        return cls(make_feedback_engine(url, timeout_s))

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _database(self, doing: str) -> Iterator[None]:
        try:
            if not self._schema_ready:
                with self._schema_lock:
                    if not self._schema_ready:
                        upgrade_to_head(self.engine)
                        self._schema_ready = True
            yield
        except SQLAlchemyError as error:
            log.warning("outcome database failed while %s: %s", doing,
                        error.__class__.__name__,
                        extra={"error": str(error).splitlines()[0][:300]})
            raise OutcomesUnavailable(
                "The outcome database is unavailable; try again shortly."
            ) from None

    # -- writes ------------------------------------------------------------------------------

    def record_score(self, edit: RecordedScore) -> None:
        self.record_scores([edit])

    def record_scores(self, edits: Sequence[RecordedScore]) -> None:
        if not edits:
            return
        rows = [
            {
                "wiki_db": e.wiki_db, "rev_id": e.rev_id, "model_name": e.model_name,
                "model_version": e.model_version, "page_id": e.page_id,
                "probability": float(e.probability), "score_bin": score_bin(e.probability),
                "editor_anonymous": e.editor_anonymous,
                "shadow": e.shadow, "scored_at": e.scored_at,
                "saved_at": e.saved_at or e.scored_at,
            }
            for e in edits
        ]
        upsert = self._dialect.insert(scores)
        with self._database("recording scores"), self.engine.begin() as connection:
            connection.execute(
                upsert.on_conflict_do_update(
                    index_elements=[scores.c.wiki_db, scores.c.rev_id, scores.c.model_name,
                                    scores.c.model_version],
                    set_={"probability": upsert.excluded.probability,
                          "score_bin": upsert.excluded.score_bin,
                          "scored_at": upsert.excluded.scored_at,
                          "shadow": upsert.excluded.shadow},
                ),
                rows,
            )

    def record_outcome(self, outcome: Outcome) -> bool:
        return self.record_outcomes([outcome]) == 1

    def record_outcomes(self, decided: Sequence[Outcome]) -> int:
        """Keep each outcome not decided before; returns how many were new."""
        if not decided:
            return 0
        new = 0
        with self._database("recording outcomes"), self.engine.begin() as connection:
            for o in decided:
                result = connection.execute(
                    self._dialect.insert(outcomes)
                    .values(
                        wiki_db=o.wiki_db, rev_id=o.rev_id, reverted=o.reverted,
                        decided_by=str(o.decided_by), decided_at=o.decided_at,
                        reverting_rev_id=o.reverting_rev_id, reverted_by=o.reverted_by,
                        seconds_to_revert=o.seconds_to_revert,
                    )
                    .on_conflict_do_nothing(index_elements=[outcomes.c.wiki_db, outcomes.c.rev_id])
                    .returning(outcomes.c.rev_id)
                )
                new += len(result.all())
        return new

    def remember_revisions(self, revisions: Sequence[PageRevision]) -> None:
        if not revisions:
            return
        rows = [
            {"wiki_db": r.wiki_db, "page_id": r.page_id, "rev_id": r.rev_id, "sha1": r.sha1,
             "saved_at": r.timestamp, "user_text": r.user_text}
            for r in revisions
        ]
        with self._database("remembering revisions"), self.engine.begin() as connection:
            connection.execute(
                self._dialect.insert(page_revisions).on_conflict_do_nothing(
                    index_elements=[page_revisions.c.wiki_db, page_revisions.c.page_id,
                                    page_revisions.c.rev_id]
                ),
                rows,
            )

    def forget_revisions_before(self, cutoff: datetime) -> int:
        """Drop remembered revisions saved before `cutoff` (no revert of them can count now)."""
        with self._database("pruning revisions"), self.engine.begin() as connection:
            result = connection.execute(
                page_revisions.delete().where(page_revisions.c.saved_at < cutoff)
            )
        return max(result.rowcount, 0)

    def close_windows(self, cutoff: datetime, now: datetime) -> int:
        """Decide "not reverted" for every scored edit saved at or before `cutoff` (its window
        has closed) that has no outcome yet; returns how many were decided."""
        undecided = (
            select(
                scores.c.wiki_db, scores.c.rev_id, literal(False).label("reverted"),
                literal(str(DecisionSource.WINDOW)).label("decided_by"),
                literal(now, type_=outcomes.c.decided_at.type).label("decided_at"),
            )
            .where(
                scores.c.saved_at <= cutoff,
                ~exists().where(
                    and_(outcomes.c.wiki_db == scores.c.wiki_db,
                         outcomes.c.rev_id == scores.c.rev_id)
                ),
            )
            .distinct()
        )
        with self._database("closing windows"), self.engine.begin() as connection:
            result = connection.execute(
                self._dialect.insert(outcomes)
                .from_select(["wiki_db", "rev_id", "reverted", "decided_by", "decided_at"],
                             undecided)
                .on_conflict_do_nothing(index_elements=[outcomes.c.wiki_db, outcomes.c.rev_id])
                .returning(outcomes.c.rev_id)
            )
            return len(result.all())

    # -- reads -------------------------------------------------------------------------------

    def page_history(self, wiki_db: str, page_id: int, limit: int) -> list[PageRevision]:
        """The page's last `limit` remembered revisions, in save order."""
        with self._database("reading a page's revisions"), self.engine.connect() as connection:
            rows = connection.execute(
                select(page_revisions)
                .where(page_revisions.c.wiki_db == wiki_db, page_revisions.c.page_id == page_id)
                .order_by(page_revisions.c.saved_at.desc(), page_revisions.c.rev_id.desc())
                .limit(limit)
            ).mappings().all()
        return [
            PageRevision(r["wiki_db"], r["page_id"], r["rev_id"], r["sha1"],
                         as_utc(r["saved_at"]), r["user_text"])
            for r in reversed(rows)
        ]

    def saved_times(self, wiki_db: str, rev_ids: Iterable[int]) -> dict[int, datetime]:
        """When each of these revisions was saved, where a score or the detector knows it."""
        wanted = list(rev_ids)
        if not wanted:
            return {}
        with self._database("reading saved times"), self.engine.connect() as connection:
            known = {
                rev_id: as_utc(saved)
                for rev_id, saved in connection.execute(
                    select(page_revisions.c.rev_id, page_revisions.c.saved_at).where(
                        page_revisions.c.wiki_db == wiki_db, page_revisions.c.rev_id.in_(wanted)
                    )
                ).all()
            }
            missing = [r for r in wanted if r not in known]
            if missing:
                for rev_id, saved in connection.execute(
                    select(scores.c.rev_id, scores.c.saved_at).where(
                        scores.c.wiki_db == wiki_db, scores.c.rev_id.in_(missing)
                    )
                ).all():
                    known.setdefault(rev_id, as_utc(saved))
        return known

    def outcome(self, wiki_db: str, rev_id: int) -> Outcome | None:
        with self._database("reading an outcome"), self.engine.connect() as connection:
            row = connection.execute(
                select(outcomes).where(outcomes.c.wiki_db == wiki_db, outcomes.c.rev_id == rev_id)
            ).mappings().first()
        if row is None:
            return None
        return Outcome(
            wiki_db=row["wiki_db"], rev_id=row["rev_id"], reverted=row["reverted"],
            decided_by=DecisionSource(row["decided_by"]), decided_at=as_utc(row["decided_at"]),
            reverting_rev_id=row["reverting_rev_id"], reverted_by=row["reverted_by"],
            seconds_to_revert=row["seconds_to_revert"],
        )

    @staticmethod
    def _filters(model_name: str, version: str, where: ScoreFilter) -> list[Any]:
        conditions = [scores.c.model_name == model_name, scores.c.model_version == version,
                      outcomes.c.wiki_db == scores.c.wiki_db, outcomes.c.rev_id == scores.c.rev_id]
        if where.since is not None:
            conditions.append(scores.c.scored_at >= where.since)
        if where.until is not None:
            conditions.append(scores.c.scored_at < where.until)
        if where.wiki_db is not None:
            conditions.append(scores.c.wiki_db == where.wiki_db)
        if where.editor_anonymous is not None:
            conditions.append(scores.c.editor_anonymous == where.editor_anonymous)
        return conditions

    def decided_scores(
        self,
        model_name: str,
        version: str,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        wiki_db: str | None = None,
        editor_anonymous: bool | None = None,
    ) -> list[DecidedScore]:
        where = ScoreFilter(since, until, wiki_db, editor_anonymous)
        query = (
            select(scores.c.wiki_db, scores.c.rev_id, scores.c.probability, outcomes.c.reverted,
                   scores.c.editor_anonymous, outcomes.c.decided_by)
            .where(*self._filters(model_name, version, where))
            .order_by(scores.c.wiki_db, scores.c.rev_id)
        )
        with self._database("reading decided scores"), self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            DecidedScore(wiki, rev_id, float(p), bool(reverted), bool(anonymous),
                         DecisionSource(source))
            for wiki, rev_id, p, reverted, anonymous, source in rows
        ]

    def bin_counts(
        self, model_name: str, version: str, where: ScoreFilter | None = None
    ) -> list[BinCount]:
        """The decided scores counted per wiki, kind of editor, score bin, outcome and source:
        at most wikis x 2 x 1001 x 2 x 4 rows however many edits there are, which is what the
        quality figures are computed from."""
        keys = (scores.c.wiki_db, scores.c.editor_anonymous, scores.c.score_bin,
                outcomes.c.reverted, outcomes.c.decided_by)
        query = (
            select(*keys, func.count(), func.sum(scores.c.probability))
            .where(*self._filters(model_name, version, where or ScoreFilter()))
            .group_by(*keys)
        )
        with self._database("counting decided scores"), self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            BinCount(wiki, bool(anonymous), int(bin_), bool(reverted), DecisionSource(source),
                     int(n), float(total))
            for wiki, anonymous, bin_, reverted, source, n, total in rows
        ]

    def versions(self, model_name: str) -> list[str]:
        first = func.min(scores.c.scored_at)
        with self._database("reading versions"), self.engine.connect() as connection:
            rows = connection.execute(
                select(scores.c.model_version)
                .where(scores.c.model_name == model_name)
                .group_by(scores.c.model_version)
                .order_by(first, scores.c.model_version)
            ).all()
        return [version for (version,) in rows]
