"""What the publicity and roster forms share: the posted values, a refusal's message, and the
communities and stations a principal may choose from."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.errors import NotFoundError, PermissionDeniedError, WorkflowError
from fanzha.workflow.case.rows import RowError
from fanzha.workflow.roles import Principal
from fanzha.workflow.station import service as stations
from fanzha.workflow.station.models import Community

__all__ = ["communities_of", "error_message", "form_values", "refusal", "stations_of"]


def form_values(raw: Any) -> dict[str, str]:
    """The text fields of a posted form (files left out)."""
    return {k: v for k, v in raw.items() if isinstance(v, str)}


def error_message(exc: Exception) -> str:
    """One line saying why an entry was refused."""
    if isinstance(exc, WorkflowError):
        return exc.message
    if isinstance(exc, RowError):
        return f"{exc.column}: {exc.reason}"
    if isinstance(exc, ValidationError):
        return "; ".join(f"{e['loc'][0] if e['loc'] else ''}: {e['msg']}" for e in exc.errors())
    return str(exc)


def refusal(db: Session, exc: Exception) -> str:
    """A refused entry: roll back, let a 404 or 403 through (mapped in ``web.errors``), and
    return the message the form is shown again with (422)."""
    db.rollback()
    if isinstance(exc, NotFoundError | PermissionDeniedError):
        raise exc
    return error_message(exc)


def communities_of(db: Session, who: Principal) -> list[Community]:
    """Communities a principal may choose (a station role: its own)."""
    query = select(Community).order_by(Community.code)
    if who.station is not None:
        query = query.where(Community.station_code == who.station)
    return list(db.scalars(query))


def stations_of(db: Session, who: Principal) -> list[str]:
    """Station codes to choose from: none for a station role (its own is implied)."""
    if who.station is not None:
        return []
    return [s.code for s in stations.list_all(session=db, active_only=True)]
