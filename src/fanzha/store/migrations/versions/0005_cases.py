"""The case registry: fraud reports and their payee accounts (stop-payment, freeze, return).

Revision ID: 0005_cases
Revises: 0004_desk_tick_indexes
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_cases"
down_revision = "0004_desk_tick_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_no", sa.String(64), nullable=False, unique=True),
        sa.Column("reported_at", sa.DateTime, nullable=False, index=True),
        sa.Column("occurred_at", sa.DateTime),
        sa.Column("victim_resident_id", sa.String(32), index=True),
        sa.Column("victim_phone", sa.BigInteger, index=True),
        sa.Column("victim_age", sa.Integer),
        sa.Column("community", sa.String(64)),
        sa.Column("station", sa.String(64), index=True),
        sa.Column("fraud_type", sa.String(64), nullable=False),
        sa.Column("loss_fen", sa.BigInteger, nullable=False),
        sa.Column("solved", sa.Boolean, nullable=False),
        sa.Column("solved_at", sa.DateTime),
        sa.Column("arrests", sa.Integer, nullable=False),
        sa.Column("warning_id", sa.Integer, sa.ForeignKey("warnings.id")),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
    )
    op.create_table(
        "case_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("bank", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("paid_fen", sa.BigInteger, nullable=False),
        sa.Column("paid_at", sa.DateTime),
        sa.Column("stop_requested_at", sa.DateTime),
        sa.Column("stopped_fen", sa.BigInteger, nullable=False),
        sa.Column("stop_expires_at", sa.DateTime),
        sa.Column("frozen_at", sa.DateTime),
        sa.Column("frozen_fen", sa.BigInteger, nullable=False),
        sa.Column("returned_at", sa.DateTime),
        sa.Column("returned_fen", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_accounts")
    op.drop_table("cases")
