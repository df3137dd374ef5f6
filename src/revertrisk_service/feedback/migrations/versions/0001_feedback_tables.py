"""The judgments history and the current judgment per revision and reviewer.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# A migration is frozen history, so it spells the tables out instead of importing schema.py
# (which describes the newest revision); the repetition with schema.py is deliberate.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _judgment_columns() -> list[sa.Column]:
    return [
        sa.Column("judgment", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("model_name", sa.String(128), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("tool", sa.String(64), nullable=False),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "feedback_judgments",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("wiki_db", sa.String(64), nullable=False),
        sa.Column("rev_id", sa.BigInteger(), nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        *_judgment_columns(),
    )
    op.create_index("ix_feedback_judgments_revision", "feedback_judgments", ["wiki_db", "rev_id"])
    op.create_table(
        "feedback_current",
        sa.Column("wiki_db", sa.String(64), nullable=False),
        sa.Column("rev_id", sa.BigInteger(), nullable=False),
        sa.Column("reviewer", sa.String(255), nullable=False),
        sa.Column("judgment_id", _ID, sa.ForeignKey("feedback_judgments.id"), nullable=False),
        *_judgment_columns(),
        sa.PrimaryKeyConstraint("wiki_db", "rev_id", "reviewer", name="pk_feedback_current"),
    )
    op.create_index("ix_feedback_current_model", "feedback_current", ["model_name"])


def downgrade() -> None:
    op.drop_table("feedback_current")
    op.drop_table("feedback_judgments")
