"""Optimistic locking: the one place a concurrent change becomes a :class:`ConflictError`.

Warnings and cases carry a version column (``version_id_col``); a flush that finds the row
changed since it was read raises SQLAlchemy's :class:`StaleDataError`, which every flow turns
into the same clear conflict through :func:`flush_or_conflict`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from fanzha.errors import ConflictError

__all__ = ["flush_or_conflict", "mark_edited"]


def flush_or_conflict(session: Session, what: str, **context: object) -> None:
    """Flush ``session``; a concurrent change of the ``what`` (``"warning"``, ``"case"`` …)
    being written is a :class:`ConflictError` carrying ``context`` (its id)."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(
            f"someone else changed this {what} at the same moment; reload it", **context
        ) from exc


def mark_edited(row: object) -> None:
    """Make the next flush UPDATE ``row`` (its ``updated_at``), so that its version moves on
    and a concurrent edit conflicts, even when the edit left every column as it was (a second
    follow-up outcome on a warning changes no column of the warning: without this, two
    follow-ups based on the same version both committed)."""
    flag_modified(row, "updated_at")
