"""Candidate indicators from the models (analyst review queue).

Revision ID: 0003_candidates
Revises: 0002_desk
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_candidates"
down_revision = "0002_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "candidate_indicators",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.Column("phone", sa.BigInteger, index=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("fraud_type", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("last_activity", sa.DateTime),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("proposed_at", sa.DateTime, nullable=False),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("note", sa.Text),
        sa.Column("valid_to", sa.DateTime),
    )
    op.create_index(
        "ix_candidate_value_status", "candidate_indicators", ["kind", "value", "status"]
    )


def downgrade() -> None:
    op.drop_index("ix_candidate_value_status", table_name="candidate_indicators")
    op.drop_table("candidate_indicators")
