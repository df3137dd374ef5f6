"""Alembic's environment for the feedback tables. Always given an open connection by
revertrisk_service.feedback.migrate (never reads alembic.ini or a URL of its own)."""

from __future__ import annotations

from alembic import context

from revertrisk_service.feedback.schema import metadata
from revertrisk_service.outcomes import schema as _outcome_tables  # noqa: F401 - registers them

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # Its own version table name: the database may be shared with other applications.
    version_table="feedback_alembic_version",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
