"""Retention of personal data: purge runs, the ledger of purged rows, link tokens.

New tables ``retention_runs`` (one row per purge run, with its counts),
``retention_purged`` (table name + row id of every purged row: makes the purge idempotent and
reportable) and ``retention_tokens`` (the placeholder that replaces a person's resident id
while their records are purged, so warnings and cases keep joining). See docs/retention.md.

Revision ID: 0007_retention
Revises: 0006_desk_admin
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_retention"
down_revision = "0006_desk_admin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("as_of", sa.DateTime, nullable=False),
        sa.Column("cutoff", sa.DateTime, nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("actor", sa.String(160), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
    )
    op.create_table(
        "retention_purged",
        sa.Column("table_name", sa.String(32), primary_key=True),
        sa.Column("row_id", sa.Integer, primary_key=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("retention_runs.id"), nullable=False, index=True
        ),
        sa.Column("purged_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "retention_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("resident_id", sa.String(32), unique=True),
        sa.Column("phone", sa.BigInteger, unique=True),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("retention_tokens")
    op.drop_table("retention_purged")
    op.drop_table("retention_runs")
