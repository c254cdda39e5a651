"""Notify outbox: a queued contact's "not before" time.

``notify_outbox`` gains ``not_before`` (naive, the dispatcher's clock): the dispatcher does
not claim the row before it. The tiering's repeated robot call (attempt ``auto-2``) is queued
when the first call's outcome is applied, with ``not_before`` = the outcome's ``retry_at``.
Rows queued before have none (sent as soon as due, as before). No index: enqueue also sets
``next_attempt_at`` to the later of now and ``not_before``, so the claim query's range stays
on ``ix_notify_outbox_due`` (status, next_attempt_at). See docs/tiers.md.

Revision ID: 0020_outbox_not_before
Revises: 0019_tier_retry
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_outbox_not_before"
down_revision = "0019_tier_retry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notify_outbox", sa.Column("not_before", sa.DateTime))


def downgrade() -> None:
    with op.batch_alter_table("notify_outbox") as batch:
        batch.drop_column("not_before")
