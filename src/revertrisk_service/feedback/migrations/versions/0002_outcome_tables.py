"""The outcomes of scored stream edits: every version's scores, each edit's outcome, and the
recent revisions of the pages the revert detector watches.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcome_scores",
        sa.Column("wiki_db", sa.String(64), nullable=False),
        sa.Column("rev_id", sa.BigInteger(), nullable=False),
        sa.Column("model_name", sa.String(128), nullable=False),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("page_id", sa.BigInteger(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("score_bin", sa.SmallInteger(), nullable=False),
        sa.Column("editor_anonymous", sa.Boolean(), nullable=False),
        sa.Column("shadow", sa.Boolean(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "wiki_db", "rev_id", "model_name", "model_version", name="pk_outcome_scores"
        ),
    )
    op.create_index(
        "ix_outcome_scores_version",
        "outcome_scores",
        ["model_name", "model_version", "scored_at"],
    )
    op.create_index("ix_outcome_scores_saved_at", "outcome_scores", ["saved_at"])
    op.create_table(
        "edit_outcomes",
        sa.Column("wiki_db", sa.String(64), nullable=False),
        sa.Column("rev_id", sa.BigInteger(), nullable=False),
        sa.Column("reverted", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.String(16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reverting_rev_id", sa.BigInteger(), nullable=True),
        sa.Column("reverted_by", sa.String(255), nullable=True),
        sa.Column("seconds_to_revert", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("wiki_db", "rev_id", name="pk_edit_outcomes"),
    )
    op.create_table(
        "outcome_page_revisions",
        sa.Column("wiki_db", sa.String(64), nullable=False),
        sa.Column("page_id", sa.BigInteger(), nullable=False),
        sa.Column("rev_id", sa.BigInteger(), nullable=False),
        sa.Column("sha1", sa.String(64), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_text", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("wiki_db", "page_id", "rev_id", name="pk_outcome_page_revisions"),
    )
    op.create_index(
        "ix_outcome_page_revisions_saved_at", "outcome_page_revisions", ["saved_at"]
    )


def downgrade() -> None:
    op.drop_table("outcome_page_revisions")
    op.drop_table("edit_outcomes")
    op.drop_table("outcome_scores")
