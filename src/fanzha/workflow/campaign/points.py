"""Creating and editing fixed publicity points (固定宣传点), audited (``publicity_point.create``
/ ``publicity_point.update``, the fields changed). A point is never deleted: it is made
inactive, so the events that named it keep it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.errors import WorkflowError
from fanzha.workflow.audit.edits import apply_fields, audit_edit
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
    changed = apply_fields(session, point, given)
    audit_edit(
        session=session,
        principal=principal,
        record=point,
        kind="publicity_point",
        object_type="publicity_point",
        given=given,
        changed=None if point_id is None else changed,
        at=now,
    )
    return point


def _check_name(session: Session, name: str, point_id: int | None) -> None:
    query = select(PublicityPoint.id).where(PublicityPoint.name == name)
    if point_id is not None:
        query = query.where(PublicityPoint.id != point_id)
    if session.scalar(query) is not None:
        raise WorkflowError("a publicity point with this name exists already", field="name")
