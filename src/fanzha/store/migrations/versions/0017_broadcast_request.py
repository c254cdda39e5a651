"""Broadcasts sent from the desk: the form's request key (a double submit sends nothing twice).

Revision ID: 0017_broadcast_request
Revises: 0016_publicity_client
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_broadcast_request"
down_revision = "0016_publicity_client"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notify_broadcasts", sa.Column("request_key", sa.String(64)))
    op.create_index(
        "ix_notify_broadcasts_request_key", "notify_broadcasts", ["request_key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_notify_broadcasts_request_key", table_name="notify_broadcasts")
    with op.batch_alter_table("notify_broadcasts") as batch:
        batch.drop_column("request_key")
