"""Bringing a feedback database to the newest schema with the Alembic migrations shipped in this
package (migrations/), from the service or from `revertrisk feedback migrate`.

Several replicas may start at once against one PostgreSQL: a session advisory lock makes them
migrate one after the other (the later ones find the schema current and do nothing).
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

VERSION_TABLE = "feedback_alembic_version"
# Any fixed 64-bit number; only feedback migrations take it.
_ADVISORY_LOCK_KEY = 0x66656564_6261636B  # "feedback"


def _config() -> Config:
    config = Config()
    location = resources.files("revertrisk_service.feedback").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}
        )
        return context.get_current_revision()


def upgrade_to_head(engine: Engine) -> str | None:
    """Apply every migration not yet applied; returns the revision the database is now at."""
    config = _config()
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        if postgres:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
            connection.commit()
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
        finally:
            if postgres and not connection.invalidated:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_LOCK_KEY}
                )
                connection.commit()
    return current_revision(engine)
