"""The volunteer roster's pages: the roster (names, teams, communities, phones masked) and the
form to add or edit a volunteer, validated as a row of the roster file is."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from fanzha.errors import WorkflowError
from fanzha.web.deps import Csrf, Db, Desk, Now, PagePrincipal
from fanzha.web.pages.forms import communities_of, form_values, refusal, stations_of
from fanzha.web.render import render
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.volunteer import flows
from fanzha.workflow.volunteer import service as roster
from fanzha.workflow.volunteer.models import CATEGORY_NAMES, Team, Volunteer
from fanzha.workflow.volunteer.rows import COLUMNS, parse_volunteer

router = APIRouter(include_in_schema=False)
ROSTER_ARGS = ("team", "community", "active")
_STATES = {"yes": True, "no": False}


def _number(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _roster_query(request: Request) -> tuple[dict[str, str], int]:
    q = request.query_params
    args = {k: q[k] for k in ROSTER_ARGS if q.get(k)}
    return args, _number(q.get("page")) or 0


@router.get("/volunteers", response_class=HTMLResponse)
def roster_page(request: Request, db: Db, desk: Desk, who: PagePrincipal) -> Response:
    """The roster in scope, by name, filtered by team, community and active; phones masked."""
    args, page = _roster_query(request)
    size = desk.settings.page_size
    team_id, community = _number(args.get("team")), args.get("community")
    rows = roster.list_volunteers(
        session=db,
        principal=who,
        active=_STATES.get(args.get("active", "")),
        team_id=team_id,
        community=community,
        limit=size + 1,
        offset=page * size,
    )
    context = {
        "rows": rows[:size],
        "counts": roster.roster_counts(
            session=db, principal=who, team_id=team_id, community=community
        ),
        "teams": roster.teams_of(session=db, principal=who),
        "communities": communities_of(db, who),
        "args": args,
        "page": page,
        "has_next": len(rows) > size,
        "prev_link": "/volunteers?" + urlencode({**args, "page": page - 1}),
        "next_link": "/volunteers?" + urlencode({**args, "page": page + 1}),
    }
    return render(request, "volunteers.html", context)


def _form_context(
    db: Db,
    who: Principal,
    form: dict[str, str],
    error: str | None,
    volunteer: Volunteer | None = None,
) -> dict[str, Any]:
    return {
        "form": form,
        "error": error,
        "volunteer": volunteer,
        "categories": list(CATEGORY_NAMES),
        "communities": communities_of(db, who),
        "stations": stations_of(db, who),
        "teams": roster.teams_of(session=db, principal=who),
    }


def _stored(db: Db, v: Volunteer) -> dict[str, str]:
    """The edit form's values of a stored volunteer (the phone is never put in the page)."""
    team = db.get(Team, v.team_id) if v.team_id is not None else None
    return {
        "name": v.name,
        "organisation": v.organisation,
        "category": v.category,
        "community": v.community or "",
        "station": v.station or "",
        "team": team.code if team else "",
        "team_leader": "yes" if team and team.leader_id == v.id else "",
        "joined": v.joined_on.isoformat() if v.joined_on else "",
        "active": "yes" if v.active else "no",
        "left": v.left_on.isoformat() if v.left_on else "",
    }


@router.get("/volunteers/new", response_class=HTMLResponse)
def new_volunteer_form(request: Request, db: Db, who: PagePrincipal, now: Now) -> Response:
    """The form for one volunteer (the fields of the roster file)."""
    who.require(Permission.PUBLICITY_EDIT)
    form = {"joined": now.date().isoformat(), "active": "yes", "category": "volunteer"}
    return render(request, "volunteer_form.html", _form_context(db, who, form, None))


@router.get("/volunteers/{volunteer_id}", response_class=HTMLResponse)
def edit_volunteer_form(
    request: Request, volunteer_id: int, db: Db, who: PagePrincipal
) -> Response:
    """A volunteer's form, filled in; the phone shown masked, typed again only to change it."""
    who.require(Permission.PUBLICITY_EDIT)
    v = roster.get_volunteer(session=db, principal=who, volunteer_id=volunteer_id)
    return render(request, "volunteer_form.html", _form_context(db, who, _stored(db, v), None, v))


def _row(form: dict[str, str], stored_phone: int | None, today: dt.date) -> dict[str, str | None]:
    """The entry as a row of the roster file; an empty phone keeps the stored one, marking
    someone as left without a date means today."""
    row: dict[str, str | None] = {k: form.get(k, "") for k in COLUMNS if k != "station"}
    if not (row["phone"] or "").strip() and stored_phone is not None:
        row["phone"] = str(stored_phone)
    if form.get("active") == "no" and not (row["left"] or "").strip():
        row["left"] = today.isoformat()
    return row


async def _save(
    request: Request, db: Db, who: Principal, now: dt.datetime, volunteer_id: int | None
) -> Response:
    who.require(Permission.PUBLICITY_EDIT)
    v = None
    if volunteer_id is not None:
        v = roster.get_volunteer(session=db, principal=who, volunteer_id=volunteer_id)
    form = form_values(await request.form())
    try:
        parsed = parse_volunteer(0, _row(form, v.phone if v else None, now.date()))
        flows.enter_volunteer(
            session=db,
            principal=who,
            parsed=parsed,
            station=form.get("station") or None,
            now=now,
            volunteer_id=volunteer_id,
        )
        db.commit()
    except (WorkflowError, ValueError) as exc:
        context = _form_context(db, who, form, refusal(db, exc), v)
        return render(request, "volunteer_form.html", context, 422)
    return RedirectResponse("/volunteers?msg=saved", status_code=303)


@router.post("/volunteers/new")
async def new_volunteer(
    request: Request, db: Db, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Add a volunteer; a refused entry comes back with everything typed kept (422)."""
    return await _save(request, db, who, now, None)


@router.post("/volunteers/{volunteer_id}")
async def edit_volunteer(
    request: Request, volunteer_id: int, db: Db, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Save the edited volunteer (marking them as left keeps them on the roster, inactive)."""
    return await _save(request, db, who, now, volunteer_id)
