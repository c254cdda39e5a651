"""Reporting.

(Placeholder: no schema change yet.)

Revision ID: 0008_reporting
Revises: 0007_retention
Create Date: 2026-11-29
"""

from __future__ import annotations

revision = "0008_reporting"
down_revision = "0007_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
