"""Warning desk tables (stations, communities, users, API keys, actions, outcomes, audit log)
and the desk's columns on ``warnings`` (assignment, SLA clocks, lead provenance).

Revision ID: 0002_desk
Revises: 0001_initial
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_desk"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_WARNING_COLUMNS = (
    ("source_unit", sa.String(64)),
    ("instruction_no", sa.String(64)),
    ("assignee_id", sa.Integer),
    ("routed_at", sa.DateTime),
    ("sla_level", sa.Integer),
    ("signed_at", sa.DateTime),
    ("contacted_at", sa.DateTime),
    ("visited_at", sa.DateTime),
    ("due_at", sa.DateTime),
    ("due_stage", sa.String(16)),
    ("breached_at", sa.DateTime),
    ("escalated_stage", sa.String(16)),
    ("closed_at", sa.DateTime),
    ("outcome", sa.String(24)),
)


def upgrade() -> None:
    _create_org_tables()
    _create_work_tables()
    _create_audit_table()
    with op.batch_alter_table("warnings") as batch:
        batch.add_column(sa.Column("is_open", sa.Boolean, nullable=False, server_default=sa.true()))
        for name, type_ in _WARNING_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_index("ix_warnings_assignee_id", "warnings", ["assignee_id"])
    op.create_index(
        "ix_warnings_queue", "warnings", ["is_open", sa.text("level DESC"), "due_at", "id"]
    )
    op.create_index(
        "ix_warnings_station_queue",
        "warnings",
        ["station", "is_open", sa.text("level DESC"), "due_at", "id"],
    )
    op.create_index("ix_warnings_open_due", "warnings", ["is_open", "due_at"])


def _create_org_tables() -> None:
    op.create_table(
        "stations",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "communities",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("station_code", sa.String(64), sa.ForeignKey("stations.code"), nullable=False),
    )
    op.create_index("ix_communities_station_code", "communities", ["station_code"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(128), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("station_code", sa.String(64), sa.ForeignKey("stations.code")),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("on_duty", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("capacity", sa.Integer),
        sa.Column("auth_epoch", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime),
    )
    op.create_index("ix_users_station_code", "users", ["station_code"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("station_code", sa.String(64), sa.ForeignKey("stations.code")),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def _create_work_tables() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("warning_id", sa.Integer, sa.ForeignKey("warnings.id"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(160), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("result", sa.String(32)),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_actions_warning_id", "actions", ["warning_id"])
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("warning_id", sa.Integer, sa.ForeignKey("warnings.id"), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("amount_lost_fen", sa.BigInteger, nullable=False),
        sa.Column("amount_saved_fen", sa.BigInteger, nullable=False),
        sa.Column("confirmed_level", sa.Integer),
        sa.Column("confirmed_type", sa.String(64)),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(160), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
    )
    op.create_index("ix_outcomes_warning_id", "outcomes", ["warning_id"])
    op.create_index("ix_outcomes_category", "outcomes", ["category"])


def _create_audit_table() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(160), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_object_id", "audit_log", ["object_id"])


def downgrade() -> None:
    for index in ("ix_warnings_open_due", "ix_warnings_station_queue", "ix_warnings_queue"):
        op.drop_index(index, table_name="warnings")
    op.drop_index("ix_warnings_assignee_id", table_name="warnings")
    with op.batch_alter_table("warnings") as batch:
        for name, _ in reversed(_WARNING_COLUMNS):
            batch.drop_column(name)
        batch.drop_column("is_open")
    for table in ("audit_log", "outcomes", "actions", "api_keys", "users", "communities"):
        op.drop_table(table)
    op.drop_table("stations")
