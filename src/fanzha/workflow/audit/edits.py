"""Saving a form's fields on a record and auditing it: ``<kind>.create`` with every field
given, ``<kind>.update`` with the fields that changed (none changed: no record), never values.

Shared by the roster, team and fixed-point forms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from fanzha.workflow.audit import service as audit
from fanzha.workflow.roles import Principal


def apply_fields(session: Session, record: Any, given: dict[str, Any]) -> list[str]:
    """Set ``given`` on ``record`` and flush (so a new record has its id); the changed names."""
    changed = sorted(k for k, v in given.items() if getattr(record, k, None) != v)
    for key, value in given.items():
        setattr(record, key, value)
    session.add(record)
    session.flush()
    return changed


def audit_edit(
    *,
    session: Session,
    principal: Principal,
    record: Any,
    kind: str,
    object_type: str,
    given: dict[str, Any],
    changed: list[str] | None,
    at: dt.datetime,
) -> None:
    """Audit a create (``changed`` None: every field given) or an update that changed fields."""
    if changed is not None and not changed:
        return
    audit.append(
        session=session,
        actor=principal.label,
        action=f"{kind}.create" if changed is None else f"{kind}.update",
        object_type=object_type,
        object_id=record.id,
        at=at,
        detail={"fields": sorted(given) if changed is None else changed},
    )
