"""Volunteer teams: the list (leader, active members) and the form to create or edit one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.errors import WorkflowError
from fanzha.web.deps import Csrf, Db, Now, PagePrincipal
from fanzha.web.pages.forms import communities_of, form_values, refusal, stations_of
from fanzha.web.render import render
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.volunteer import service as roster
from fanzha.workflow.volunteer.models import Team
from fanzha.workflow.volunteer.schemas import TeamEdit
from fanzha.workflow.volunteer.teams import save_team

router = APIRouter(include_in_schema=False)
FIELDS = ("code", "name", "community", "station", "leader_id")


@router.get("/teams", response_class=HTMLResponse)
def teams_page(request: Request, db: Db, who: PagePrincipal) -> Response:
    """Teams in scope with their leader and number of active members."""
    return render(request, "teams.html", {"teams": roster.list_teams(session=db, principal=who)})


def _form_context(
    db: Db, who: Principal, form: dict[str, str], error: str | None, team: Team | None = None
) -> dict[str, Any]:
    members = []
    if team is not None:
        members = roster.list_volunteers(
            session=db, principal=who, team_id=team.id, active=True, limit=500
        )
    return {
        "form": form,
        "error": error,
        "team": team,
        "members": members,
        "communities": communities_of(db, who),
        "stations": stations_of(db, who),
    }


@router.get("/teams/new", response_class=HTMLResponse)
def new_team_form(request: Request, db: Db, who: PagePrincipal) -> Response:
    """The form for a new team (its leader is chosen once it has members)."""
    who.require(Permission.PUBLICITY_EDIT)
    return render(request, "team_form.html", _form_context(db, who, {}, None))


@router.get("/teams/{team_id}", response_class=HTMLResponse)
def edit_team_form(request: Request, team_id: int, db: Db, who: PagePrincipal) -> Response:
    """A team's form, filled in; the leader is one of its active members."""
    who.require(Permission.PUBLICITY_EDIT)
    team = roster.get_team(session=db, principal=who, team_id=team_id)
    form = {k: "" if getattr(team, k) is None else str(getattr(team, k)) for k in FIELDS}
    return render(request, "team_form.html", _form_context(db, who, form, None, team))


async def _save(
    request: Request, db: Db, who: Principal, now: dt.datetime, team_id: int | None
) -> Response:
    who.require(Permission.PUBLICITY_EDIT)
    team = None
    if team_id is not None:
        team = roster.get_team(session=db, principal=who, team_id=team_id)
    form = form_values(await request.form())
    try:
        save_team(session=db, principal=who, data=_data(form), now=now, team_id=team_id)
        db.commit()
    except (WorkflowError, ValidationError) as exc:
        context = _form_context(db, who, form, refusal(db, exc), team)
        return render(request, "team_form.html", context, 422)
    return RedirectResponse("/teams?msg=saved", status_code=303)


def _data(form: dict[str, str]) -> TeamEdit:
    """The entry as a team (an empty choice is none)."""
    values: dict[str, Any] = {k: form.get(k) or None for k in FIELDS}
    return TeamEdit.model_validate(values | {k: form.get(k, "") for k in ("code", "name")})


@router.post("/teams/new")
async def new_team(request: Request, db: Db, who: PagePrincipal, now: Now, _: Csrf) -> Response:
    """Create a team; a refused entry keeps what was typed (422)."""
    return await _save(request, db, who, now, None)


@router.post("/teams/{team_id}")
async def edit_team(
    request: Request, team_id: int, db: Db, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Save the edited team."""
    return await _save(request, db, who, now, team_id)
