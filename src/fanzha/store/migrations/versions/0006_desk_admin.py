"""Desk administration: stop-payment lifecycle and appeals, key revocation, shared login throttle.

New tables ``restrictions`` and ``restriction_appeals`` (protective stop-payments and appeals
against them), ``login_failures`` (the login throttle's counter, shared by every server
process); new nullable columns on ``api_keys``: ``revoked_at``, ``revoked_by``,
``last_used_at``. Stop-payment actions recorded before this migration get their restriction
(active, as nothing recorded their lifting).

Revision ID: 0006_desk_admin
Revises: 0005_cases
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_desk_admin"
down_revision = "0005_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _restrictions()
    op.create_table(
        "restriction_appeals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "restriction_id",
            sa.Integer,
            sa.ForeignKey("restrictions.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("appealed_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String(160), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("decision", sa.String(16)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("decided_by", sa.String(160)),
        sa.Column("decision_note", sa.Text),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
    )
    op.create_index("ix_login_failures_key_at", "login_failures", ["key", "at"])
    op.add_column("api_keys", sa.Column("revoked_at", sa.DateTime))
    op.add_column("api_keys", sa.Column("revoked_by", sa.String(160)))
    op.add_column("api_keys", sa.Column("last_used_at", sa.DateTime))
    _backfill_restrictions()


def _restrictions() -> None:
    op.create_table(
        "restrictions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "warning_id", sa.Integer, sa.ForeignKey("warnings.id"), nullable=False, index=True
        ),
        sa.Column("action_id", sa.Integer, sa.ForeignKey("actions.id")),
        sa.Column("resident_id", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("notice", sa.Text, nullable=False),
        sa.Column("appeal_channel", sa.String(200), nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("requested_by", sa.String(160), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("lifted_at", sa.DateTime),
        sa.Column("lifted_by", sa.String(160)),
        sa.Column("lift_reason", sa.Text),
    )


def _backfill_restrictions() -> None:
    actions = sa.table(
        "actions",
        sa.column("id", sa.Integer),
        sa.column("warning_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("at", sa.DateTime),
        sa.column("actor", sa.String),
        sa.column("details", sa.JSON),
    )
    warnings = sa.table(
        "warnings", sa.column("id", sa.Integer), sa.column("resident_id", sa.String)
    )
    restrictions = sa.table(
        "restrictions",
        *(sa.column(c) for c in ("warning_id", "action_id", "resident_id", "kind", "reason")),
        *(sa.column(c) for c in ("notice", "appeal_channel", "requested_at", "requested_by")),
        sa.column("status"),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(actions, warnings.c.resident_id)
        .join(warnings, warnings.c.id == actions.c.warning_id)
        .where(actions.c.kind == "stop_payment")
        .order_by(actions.c.id)
    )
    for row in rows.mappings().all():
        details = row["details"] or {}
        bind.execute(
            restrictions.insert().values(
                warning_id=row["warning_id"],
                action_id=row["id"],
                resident_id=row["resident_id"],
                kind="stop_payment",
                reason=str(details.get("reason") or ""),
                notice=str(details.get("notice") or ""),
                appeal_channel=str(details.get("appeal_channel") or ""),
                requested_at=row["at"],
                requested_by=row["actor"],
                status="active",
            )
        )


def downgrade() -> None:
    op.drop_column("api_keys", "last_used_at")
    op.drop_column("api_keys", "revoked_by")
    op.drop_column("api_keys", "revoked_at")
    op.drop_index("ix_login_failures_key_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_table("restriction_appeals")
    op.drop_table("restrictions")
