"""Real-time detection: the lookups a stream consumer's checkpoint was scored with.

``stream_checkpoints`` gains ``lookups_version`` (content digest) and ``lookups`` (compressed
pickle), written together with a snapshot whenever the consumer swaps in refreshed lookups,
so that a restart re-scores the events after the snapshot with the lookups they were scored
with. See docs/streaming.md.

Revision ID: 0018_stream_lookups
Revises: 0017_broadcast_request
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_stream_lookups"
down_revision = "0017_broadcast_request"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stream_checkpoints", sa.Column("lookups_version", sa.String(64)))
    op.add_column("stream_checkpoints", sa.Column("lookups", sa.LargeBinary))


def downgrade() -> None:
    with op.batch_alter_table("stream_checkpoints") as batch:
        batch.drop_column("lookups")
        batch.drop_column("lookups_version")
