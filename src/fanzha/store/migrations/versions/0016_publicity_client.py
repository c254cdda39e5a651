"""Publicity API: the caller's own id of an event recorded over the API (idempotent resends).

Revision ID: 0016_publicity_client
Revises: 0015_outreach
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_publicity_client"
down_revision = "0015_outreach"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("publicity_events", sa.Column("client_ref", sa.String(100)))
    op.create_index(
        "ix_publicity_events_client_ref", "publicity_events", ["client_ref"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_publicity_events_client_ref", table_name="publicity_events")
    with op.batch_alter_table("publicity_events") as batch:
        batch.drop_column("client_ref")
