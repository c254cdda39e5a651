"""Creating and editing a volunteer team on the teams page, audited (``team.create`` /
``team.update``, the fields changed)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.errors import WorkflowError
from fanzha.workflow.audit.edits import apply_fields, audit_edit
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.volunteer import service as roster
from fanzha.workflow.volunteer.flows import station_for
from fanzha.workflow.volunteer.models import Team, Volunteer
from fanzha.workflow.volunteer.schemas import TeamEdit

__all__ = ["save_team"]


def save_team(
    *,
    session: Session,
    principal: Principal,
    data: TeamEdit,
    now: dt.datetime,
    team_id: int | None = None,
) -> Team:
    """A new team (``team_id`` None) or the edited one; its code is unique, its station a
    station role's own, its leader one of its members."""
    principal.require(Permission.PUBLICITY_EDIT)
    team = (
        Team()
        if team_id is None
        else roster.get_team(session=session, principal=principal, team_id=team_id)
    )
    code = data.code or data.name
    _check_code(session, code, team_id)
    _check_leader(session, data.leader_id, team_id)
    given = {
        "code": code,
        "name": data.name,
        "community": data.community or None,
        "station": station_for(
            session=session, principal=principal, community=data.community, station=data.station
        ),
        "leader_id": data.leader_id,
    }
    changed = apply_fields(session, team, given)
    audit_edit(
        session=session,
        principal=principal,
        record=team,
        kind="team",
        object_type="volunteer_team",
        given=given,
        changed=None if team_id is None else changed,
        at=now,
    )
    return team


def _check_code(session: Session, code: str, team_id: int | None) -> None:
    query = select(Team.id).where(Team.code == code)
    if team_id is not None:
        query = query.where(Team.id != team_id)
    if session.scalar(query) is not None:
        raise WorkflowError("a team with this code exists already", field="code")


def _check_leader(session: Session, leader_id: int | None, team_id: int | None) -> None:
    if leader_id is None:
        return
    leader = session.get(Volunteer, leader_id)
    if leader is None or team_id is None or leader.team_id != team_id:
        raise WorkflowError("the leader must be a member of the team", field="leader_id")
