"""Outreach: the notify outbox, provider ids, receipts, broadcast groups and relays.

See docs/outreach.md.

Revision ID: 0010_notify
Revises: 0008_reporting
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_notify"
down_revision = "0009_typed_warning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(40), nullable=False, unique=True),
        sa.Column("subject_type", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("attempt_key", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(255), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("template", sa.String(48), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("claimed_at", sa.DateTime),
        sa.Column("claim_token", sa.String(32)),
        sa.Column("provider_id", sa.String(80)),
        sa.Column("parts", sa.Integer, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("final_at", sa.DateTime),
        sa.Column("error", sa.String(200)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("subject_type", "subject_id", "channel", "attempt_key"),
    )
    op.create_index("ix_notify_outbox_due", "notify_outbox", ["status", "next_attempt_at"])
    op.create_table(
        "notify_provider_ids",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("provider_id", sa.String(80), primary_key=True),
        sa.Column(
            "outbox_id", sa.Integer, sa.ForeignKey("notify_outbox.id"), nullable=False, index=True
        ),
    )
    op.create_table(
        "notify_receipts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "outbox_id", sa.Integer, sa.ForeignKey("notify_outbox.id"), nullable=False, index=True
        ),
        sa.Column("provider_id", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.UniqueConstraint("outbox_id", "provider_id", "status"),
    )
    op.create_table(
        "notify_groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("area", sa.String(64), nullable=False, index=True),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("school", sa.String(120)),
        sa.Column("grade", sa.String(32)),
        sa.Column("community", sa.String(120)),
        sa.Column("robot", sa.String(16), nullable=False),
        sa.Column("webhook_url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(200)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "notify_broadcasts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("fraud_type", sa.String(48), nullable=False),
        sa.Column("warning_id", sa.Integer),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(160), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "notify_relays",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "broadcast_id",
            sa.Integer,
            sa.ForeignKey("notify_broadcasts.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("group_id", sa.Integer, sa.ForeignKey("notify_groups.id"), nullable=False),
        sa.Column("relayed_by", sa.String(120), nullable=False),
        sa.Column("reach", sa.Integer),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("broadcast_id", "group_id", "relayed_by"),
    )


def downgrade() -> None:
    for table in (
        "notify_relays",
        "notify_broadcasts",
        "notify_groups",
        "notify_receipts",
        "notify_provider_ids",
    ):
        op.drop_table(table)
    op.drop_index("ix_notify_outbox_due", table_name="notify_outbox")
    op.drop_table("notify_outbox")
