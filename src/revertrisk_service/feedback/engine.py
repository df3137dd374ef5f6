"""The SQLAlchemy engine for FEEDBACK_DATABASE_URL: a SQLite file or PostgreSQL (psycopg 3).

Both are set up to fail fast and recover alone: connection attempts and lock waits are bounded by
FEEDBACK_DB_TIMEOUT_S, and pooled connections are checked before use (pool_pre_ping), so the first
request after a database restart gets a fresh connection instead of a dead one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError


class DatabaseUrlError(ValueError):
    """FEEDBACK_DATABASE_URL cannot be used; the message is one line for the operator."""


def make_feedback_engine(url: str, timeout_s: float) -> Engine:
    try:
        return _engine(url, timeout_s)
    except (ArgumentError, NoSuchModuleError) as error:
        raise DatabaseUrlError(f"FEEDBACK_DATABASE_URL is not usable: {error}") from None


def _engine(url: str, timeout_s: float) -> Engine:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, timeout_s)
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            # Plain postgresql:// would pick psycopg2, which is not installed: psycopg 3 is.
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(
            parsed,
            pool_pre_ping=True,
            pool_size=8,
            max_overflow=8,
            pool_timeout=timeout_s,
            connect_args={
                "connect_timeout": max(1, math.ceil(timeout_s)),
                # A statement stuck behind a lock ends instead of holding a request forever.
                "options": f"-c statement_timeout={int(timeout_s * 1000)}",
            },
        )
    raise DatabaseUrlError(
        f"FEEDBACK_DATABASE_URL: {backend!r} is not supported; use sqlite:///PATH or "
        "postgresql+psycopg://USER:PASSWORD@HOST/DB"
    )


def _sqlite_engine(parsed: Any, timeout_s: float) -> Engine:
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed,
        pool_pre_ping=True,
        # isolation_level=None: transactions are begun below, IMMEDIATE, so two writers queue for
        # the write lock up front instead of one failing with "database is locked" mid-way.
        connect_args={"timeout": timeout_s, "check_same_thread": False, "isolation_level": None},
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
        cursor.execute("PRAGMA synchronous=FULL")  # a 201 survives a power cut
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
