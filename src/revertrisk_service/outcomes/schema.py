"""The outcome tables, in the feedback database's metadata (so one set of Alembic migrations,
feedback/migrations/, creates them beside patrollers' judgments):

- `outcome_scores`: each model version's score for each stream edit (shadow scores included),
  the rows observed quality and the promotion gate read;
- `edit_outcomes`: how each edit ended, one row per edit, written once when decided; scores
  link to it by (wiki_db, rev_id), so every version's score of an edit shares its outcome;
- `outcome_page_revisions`: the recent revisions (content hash, time, user) of each page the
  detector watches, so that a restarted detector, or one that dropped a page from memory, still
  sees a revert of an edit it saw before.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
)

from revertrisk_service.feedback.schema import metadata

scores = Table(
    "outcome_scores",
    metadata,
    Column("wiki_db", String(64), nullable=False),
    Column("rev_id", BigInteger, nullable=False),
    Column("model_name", String(128), nullable=False),
    Column("model_version", String(128), nullable=False),
    Column("page_id", BigInteger, nullable=False),
    Column("probability", Float, nullable=False),
    # The probability on the threshold tables' 0.001 grid (0-1000), so that quality figures are
    # counted in the database, whatever the number of edits.
    Column("score_bin", SmallInteger, nullable=False),
    Column("editor_anonymous", Boolean, nullable=False),
    Column("shadow", Boolean, nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint(
        "wiki_db", "rev_id", "model_name", "model_version", name="pk_outcome_scores"
    ),
    Index("ix_outcome_scores_version", "model_name", "model_version", "scored_at"),
    Index("ix_outcome_scores_saved_at", "saved_at"),
)

outcomes = Table(
    "edit_outcomes",
    metadata,
    Column("wiki_db", String(64), nullable=False),
    Column("rev_id", BigInteger, nullable=False),
    Column("reverted", Boolean, nullable=False),
    Column("decided_by", String(16), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("reverting_rev_id", BigInteger, nullable=True),
    Column("reverted_by", String(255), nullable=True),
    Column("seconds_to_revert", Float, nullable=True),
    PrimaryKeyConstraint("wiki_db", "rev_id", name="pk_edit_outcomes"),
)

page_revisions = Table(
    "outcome_page_revisions",
    metadata,
    Column("wiki_db", String(64), nullable=False),
    Column("page_id", BigInteger, nullable=False),
    Column("rev_id", BigInteger, nullable=False),
    Column("sha1", String(64), nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Column("user_text", String(255), nullable=True),
    PrimaryKeyConstraint("wiki_db", "page_id", "rev_id", name="pk_outcome_page_revisions"),
    Index("ix_outcome_page_revisions_saved_at", "saved_at"),
)
