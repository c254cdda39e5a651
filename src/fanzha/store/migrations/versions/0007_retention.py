"""Retention of personal data and lead matching.

(Placeholder: no schema change yet.)

Revision ID: 0007_retention
Revises: 0006_desk_admin
Create Date: 2026-11-29
"""

from __future__ import annotations

revision = "0007_retention"
down_revision = "0006_desk_admin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
