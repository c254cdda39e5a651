"""Candidate indicators from the models (analyst review queue) — filled by the models work.

Revision ID: 0003_candidates
Revises: 0002_desk
Create Date: 2026-11-29
"""

from __future__ import annotations

revision = "0003_candidates"
down_revision = "0002_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
