"""Initial schema: warnings.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warnings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("resident_id", sa.String(32), nullable=False, index=True),
        sa.Column("phone", sa.BigInteger, index=True),
        sa.Column("community", sa.String(64)),
        sa.Column("station", sa.String(64), index=True),
        sa.Column("episode_start", sa.DateTime, nullable=False),
        sa.Column("warned_at", sa.DateTime, nullable=False, index=True),
        sa.Column("last_signal_at", sa.DateTime, nullable=False),
        sa.Column("level", sa.Integer, nullable=False, index=True),
        sa.Column("level_history", sa.JSON, nullable=False),
        sa.Column("fraud_type", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("n_signals", sa.Integer, nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("status", sa.String(24), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.UniqueConstraint("resident_id", "episode_start", name="uq_warning_episode"),
    )


def downgrade() -> None:
    op.drop_table("warnings")
