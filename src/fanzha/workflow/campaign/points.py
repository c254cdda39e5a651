"""Creating and editing fixed publicity points (固定宣传点), audited (``publicity_point.create``
/ ``publicity_point.update``, the fields changed). A point is never deleted: it is made
inactive, so the events that named it keep it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.errors import WorkflowError
from fanzha.workflow.audit import service as audit
from fanzha.workflow.campaign import service
from fanzha.workflow.campaign.models import PublicityPoint
from fanzha.workflow.campaign.schemas import PointEdit
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.volunteer.flows import station_for

__all__ = ["save_point"]


def save_point(
    *,
    session: Session,
    principal: Principal,
    data: PointEdit,
    now: dt.datetime,
    point_id: int | None = None,
) -> PublicityPoint:
    """A new point (``point_id`` None) or the edited one; its name is unique, its station a
    station role's own."""
    principal.require(Permission.PUBLICITY_EDIT)
    point = (
        PublicityPoint()
        if point_id is None
        else service.get_point(session=session, principal=principal, point_id=point_id)
    )
    _check_name(session, data.name, point_id)
    given = {
        "name": data.name,
        "community": data.community or None,
        "station": station_for(
            session=session, principal=principal, community=data.community, station=data.station
        ),
        "address": data.address,
        "active": data.active,
    }
    changed = sorted(k for k, v in given.items() if getattr(point, k, None) != v)
    for key, value in given.items():
        setattr(point, key, value)
    session.add(point)
    session.flush()
    if point_id is None or changed:
        audit.append(
            session=session,
            actor=principal.label,
            action="publicity_point.create" if point_id is None else "publicity_point.update",
            object_type="publicity_point",
            object_id=point.id,
            at=now,
            detail={"fields": sorted(given) if point_id is None else changed},
        )
    return point


def _check_name(session: Session, name: str, point_id: int | None) -> None:
    query = select(PublicityPoint.id).where(PublicityPoint.name == name)
    if point_id is not None:
        query = query.where(PublicityPoint.id != point_id)
    if session.scalar(query) is not None:
        raise WorkflowError("a publicity point with this name exists already", field="name")
