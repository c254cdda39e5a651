"""Outreach: the automated contacts' outcomes the tiering has applied.

Revision ID: 0015_outreach
Revises: 0014_partner
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_outreach"
down_revision = "0014_partner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tier_contact_outcomes",
        sa.Column("outbox_id", sa.Integer, sa.ForeignKey("notify_outbox.id"), primary_key=True),
        sa.Column("warning_id", sa.Integer, sa.ForeignKey("warnings.id"), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("event", sa.String(16)),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("applied_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_tier_contact_outcomes_warning_id", "tier_contact_outcomes", ["warning_id"])


def downgrade() -> None:
    op.drop_index("ix_tier_contact_outcomes_warning_id", table_name="tier_contact_outcomes")
    op.drop_table("tier_contact_outcomes")
