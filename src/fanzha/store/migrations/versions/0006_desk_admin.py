"""Desk administration: stop-payment lifecycle and appeals, station edits, key revocation, shared login throttle.

(Placeholder: no schema change yet.)

Revision ID: 0006_desk_admin
Revises: 0005_cases
Create Date: 2026-11-29
"""

from __future__ import annotations

revision = "0006_desk_admin"
down_revision = "0005_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
