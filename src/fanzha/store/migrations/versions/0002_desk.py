"""Warning desk tables (stations, users, actions, outcomes, audit) — filled by the desk work.

Revision ID: 0002_desk
Revises: 0001_initial
Create Date: 2026-11-29
"""

from __future__ import annotations

revision = "0002_desk"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
