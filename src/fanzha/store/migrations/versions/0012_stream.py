"""Real-time detection: the stream consumer's checkpoints and its level-raise log.

New tables ``stream_checkpoints`` (committed offset and state snapshot per consumer) and
``stream_raises`` (which event first took each warned episode to each level; unique per
resident, episode and level). See docs/streaming.md.

Revision ID: 0012_stream
Revises: 0008_reporting
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_stream"
down_revision = "0011_publicity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_checkpoints",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("offset", sa.String(40), nullable=False),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("snapshot_offset", sa.String(40)),
        sa.Column("snapshot_events", sa.BigInteger, nullable=False),
        sa.Column("snapshot", sa.LargeBinary),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "stream_raises",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("resident_id", sa.String(32), nullable=False),
        sa.Column("episode_start", sa.DateTime, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("offset", sa.String(40), nullable=False),
        sa.Column("reached_at", sa.DateTime, nullable=False),
        sa.Column("committed_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("resident_id", "episode_start", "level", name="uq_stream_raise"),
    )


def downgrade() -> None:
    op.drop_table("stream_raises")
    op.drop_table("stream_checkpoints")
