"""Imports every table module so that ``Base.metadata`` knows all tables (for Alembic)."""

from fanzha.workflow.warning import models as warning_models

__all__ = ["warning_models"]
