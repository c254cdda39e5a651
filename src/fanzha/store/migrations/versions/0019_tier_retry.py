"""Tier escalation policy: what each applied contact outcome decided, and a repeated call's time.

``tier_contact_outcomes`` gains ``decision`` (``reached``, ``none``, ``escalate``, ``retry``,
``hold``, ``hold_sms``: held below the officer gate with a fallback SMS due) and ``retry_at``
(when the repeated robot call of a ``retry`` is due). Rows applied before have neither; they
were all ``reached`` or ``escalate`` and need nothing further. See docs/tiers.md.

Revision ID: 0019_tier_retry
Revises: 0018_stream_lookups
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_tier_retry"
down_revision = "0018_stream_lookups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tier_contact_outcomes", sa.Column("decision", sa.String(16)))
    op.add_column("tier_contact_outcomes", sa.Column("retry_at", sa.DateTime))
    op.create_index("ix_tier_contact_outcomes_decision", "tier_contact_outcomes", ["decision"])


def downgrade() -> None:
    op.drop_index("ix_tier_contact_outcomes_decision", table_name="tier_contact_outcomes")
    with op.batch_alter_table("tier_contact_outcomes") as batch:
        batch.drop_column("retry_at")
        batch.drop_column("decision")
