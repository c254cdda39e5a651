"""Publicity and volunteers: the roster, teams, campaigns, fixed points, events, findings.

Revision ID: 0011_publicity
Revises: 0008_reporting
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_publicity"
down_revision = "0010_notify"
branch_labels = None
depends_on = None


def _roster() -> None:
    op.create_table(
        "volunteer_teams",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("station", sa.String(64), index=True),
        sa.Column("community", sa.String(64)),
        sa.Column("leader_id", sa.Integer),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "volunteers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("phone", sa.BigInteger, unique=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("organisation", sa.String(128), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("station", sa.String(64), index=True),
        sa.Column("community", sa.String(64)),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("volunteer_teams.id")),
        sa.Column("joined_on", sa.Date),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("left_on", sa.Date),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def _campaigns() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("theme", sa.String(200), nullable=False),
        sa.Column("fraud_types", sa.JSON, nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False, index=True),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("areas", sa.JSON, nullable=False),
        sa.Column("station", sa.String(64), index=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(160), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "publicity_points",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("community", sa.String(64)),
        sa.Column("station", sa.String(64), index=True),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )


def _events() -> None:
    op.create_table(
        "publicity_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaigns.id"), index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("community", sa.String(64), index=True),
        sa.Column("station", sa.String(64), index=True),
        sa.Column("held_at", sa.DateTime, nullable=False, index=True),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("volunteer_teams.id")),
        sa.Column("point_id", sa.Integer, sa.ForeignKey("publicity_points.id")),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.Column("leaflets", sa.Integer, nullable=False),
        sa.Column("banners", sa.Integer, nullable=False),
        sa.Column("consultations", sa.Integer, nullable=False),
        sa.Column("reached", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("recorded_by", sa.String(160), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "event_findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "event_id",
            sa.Integer,
            sa.ForeignKey("publicity_events.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("fraud_type", sa.String(64), nullable=False),
        sa.Column("phone", sa.BigInteger),
        sa.Column("warning_id", sa.Integer, sa.ForeignKey("warnings.id")),
        sa.Column("outcome", sa.String(24)),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )


def upgrade() -> None:
    _roster()
    _campaigns()
    _events()


def downgrade() -> None:
    for table in (
        "event_findings",
        "publicity_events",
        "publicity_points",
        "campaigns",
        "volunteers",
        "volunteer_teams",
    ):
        op.drop_table(table)
