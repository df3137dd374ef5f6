"""The feedback tables (SQLAlchemy Core). Alembic's migrations (migrations/versions/) create them;
this module is what the code reads and writes through, and what `alembic check` compares with.

- `feedback_judgments`: the history, append-only: every judgment ever recorded.
- `feedback_current`: one row per (wiki, revision, reviewer), the latest judgment, replaced in
  place by an upsert; observed precision and the training export read this one.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

# SQLite makes only INTEGER PRIMARY KEY an auto-incrementing rowid.
_ID = BigInteger().with_variant(Integer(), "sqlite")


def edit_columns() -> list[Column]:
    """The columns that name an edit, typed alike in every table so that tables join on them."""
    return [
        Column("wiki_db", String(64), nullable=False),
        Column("rev_id", BigInteger, nullable=False),
    ]


def _judgment_columns() -> list[Column]:
    """The fields of a judgment, shared by both tables (each table needs its own Column objects)."""
    return [
        Column("judgment", String(16), nullable=False),
        Column("comment", Text, nullable=True),
        Column("model_name", String(128), nullable=True),
        Column("score", Float, nullable=True),
        Column("tool", String(64), nullable=False),
        Column("judged_at", DateTime(timezone=True), nullable=False),
    ]


judgments = Table(
    "feedback_judgments",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    *edit_columns(),
    Column("reviewer", String(255), nullable=False),
    *_judgment_columns(),
    Index("ix_feedback_judgments_revision", "wiki_db", "rev_id"),
)

current = Table(
    "feedback_current",
    metadata,
    *edit_columns(),
    Column("reviewer", String(255), nullable=False),
    Column("judgment_id", _ID, ForeignKey("feedback_judgments.id"), nullable=False),
    *_judgment_columns(),
    PrimaryKeyConstraint("wiki_db", "rev_id", "reviewer", name="pk_feedback_current"),
    Index("ix_feedback_current_model", "model_name"),
)
