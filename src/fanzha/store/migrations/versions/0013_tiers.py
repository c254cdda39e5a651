"""Tiered response: each warning's response tier, its reasons, its desk rank, victim score.

New columns on ``warnings`` (docs/tiers.md): ``tier`` (one_to_one / assisted / automated /
watch, indexed for the queue filter), ``tier_reasons`` (JSON, in words), ``tier_rank`` (place
in the station's one-to-one list of the day), ``tier_at`` (when the tier was last set),
``tier_as_of`` (the last signal the tier has judged: a later signal re-judges it),
``reached_at`` (first time a contact tier applied), ``tier_rules_version``, ``victim_score``
and ``victim_explanation`` (the victim model's P(engaged) and its top reasons).

Revision ID: 0013_tiers
Revises: 0008_reporting
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_tiers"
down_revision = "0012_stream"
branch_labels = None
depends_on = None


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("tier", sa.String(16)),
        sa.Column("tier_reasons", sa.JSON),
        sa.Column("tier_rank", sa.Integer),
        sa.Column("tier_at", sa.DateTime),
        sa.Column("tier_as_of", sa.DateTime),
        sa.Column("reached_at", sa.DateTime),
        sa.Column("tier_rules_version", sa.String(64)),
        sa.Column("victim_score", sa.Float),
        sa.Column("victim_explanation", sa.JSON),
    ]


def upgrade() -> None:
    with op.batch_alter_table("warnings") as batch:
        for column in _columns():
            batch.add_column(column)
    op.create_index("ix_warnings_tier", "warnings", ["tier"])


def downgrade() -> None:
    op.drop_index("ix_warnings_tier", table_name="warnings")
    with op.batch_alter_table("warnings") as batch:
        for column in reversed(_columns()):
            batch.drop_column(column.name)
