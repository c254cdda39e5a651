"""Partner intake: the log of suspicious-account rows pushed by banks and bureaus.

Revision ID: 0014_partner
Revises: 0012_stream
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_partner"
down_revision = "0013_tiers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_account_rows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key_id", sa.Integer, sa.ForeignKey("api_keys.id"), nullable=False),
        sa.Column("partner", sa.String(128), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("fraud_type", sa.String(64)),
        sa.Column("confidence", sa.Float),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("source", sa.String(200)),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("valid_to", sa.DateTime),
        sa.UniqueConstraint("key_id", "row_id", name="uq_partner_account_row"),
    )
    op.create_index(
        "ix_partner_account_rows_key_received", "partner_account_rows", ["key_id", "received_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_partner_account_rows_key_received", table_name="partner_account_rows")
    op.drop_table("partner_account_rows")
