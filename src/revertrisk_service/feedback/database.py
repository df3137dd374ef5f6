"""What every store kept in the feedback database does the same way, whatever it keeps
(patrollers' judgments, stream outcomes): open the engine from FEEDBACK_DATABASE_URL, bring the
schema to the newest migration on the first call that reaches the database (not at start, so a
service started while its database is down still starts), and turn any database failure into
the store's one service error, logged in one line.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import ClassVar, Self

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from revertrisk_service.errors import ServiceError
from revertrisk_service.feedback.engine import make_feedback_engine
from revertrisk_service.feedback.migrate import upgrade_to_head


def as_utc(moment: datetime) -> datetime:
    """SQLite gives timestamps back without a zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class MigratedDatabase:
    # Set by each store: what its failures are called in the log, and where they are logged.
    database_name: ClassVar[str]
    logger: ClassVar[logging.Logger]

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._schema_ready = False
        self._schema_lock = threading.Lock()
        # The dialect whose insert() has the upserts (on_conflict_do_update / do_nothing).
        self._dialect = postgresql if engine.dialect.name == "postgresql" else sqlite

    @classmethod
    def from_url(cls, url: str, timeout_s: float) -> Self:
        return cls(make_feedback_engine(url, timeout_s))

    def close(self) -> None:
        self.engine.dispose()

    def unavailable(self) -> ServiceError:
        """The error a client sees when this store's database fails."""
        raise NotImplementedError

    @contextmanager
    def _database(self, doing: str) -> Iterator[None]:
        try:
            self._ensure_schema()
            yield
        except SQLAlchemyError as error:
            self.logger.warning("%s database failed while %s: %s", self.database_name, doing,
                                error.__class__.__name__,
                                extra={"error": str(error).splitlines()[0][:300]})
            raise self.unavailable() from None

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if not self._schema_ready:
                upgrade_to_head(self.engine)
                self._schema_ready = True
