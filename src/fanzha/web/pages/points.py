"""Fixed publicity points (固定宣传点): the list and the form to create or edit one (made
inactive, never deleted)."""

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
from fanzha.workflow.campaign import service
from fanzha.workflow.campaign.models import PublicityPoint
from fanzha.workflow.campaign.points import save_point
from fanzha.workflow.campaign.schemas import PointEdit
from fanzha.workflow.roles import Permission, Principal

router = APIRouter(prefix="/publicity/points", include_in_schema=False)
FIELDS = ("name", "community", "station", "address")


@router.get("", response_class=HTMLResponse)
def points_page(request: Request, db: Db, who: PagePrincipal) -> Response:
    """Fixed publicity points in scope, inactive ones too."""
    points = service.points_of(session=db, principal=who, active_only=False)
    return render(request, "points.html", {"points": points})


def _form_context(
    db: Db,
    who: Principal,
    form: dict[str, str],
    error: str | None,
    point: PublicityPoint | None = None,
) -> dict[str, Any]:
    return {
        "form": form,
        "error": error,
        "point": point,
        "communities": communities_of(db, who),
        "stations": stations_of(db, who),
    }


@router.get("/new", response_class=HTMLResponse)
def new_point_form(request: Request, db: Db, who: PagePrincipal) -> Response:
    """The form for a new point."""
    who.require(Permission.PUBLICITY_EDIT)
    return render(request, "point_form.html", _form_context(db, who, {"active": "yes"}, None))


@router.get("/{point_id}", response_class=HTMLResponse)
def edit_point_form(request: Request, point_id: int, db: Db, who: PagePrincipal) -> Response:
    """A point's form, filled in."""
    who.require(Permission.PUBLICITY_EDIT)
    point = service.get_point(session=db, principal=who, point_id=point_id)
    form = {k: getattr(point, k) or "" for k in FIELDS} | {"active": "yes" if point.active else ""}
    return render(request, "point_form.html", _form_context(db, who, form, None, point))


def _data(form: dict[str, str]) -> PointEdit:
    """The entry as a point (an empty choice is none; unticked is inactive)."""
    return PointEdit.model_validate(
        {
            "name": form.get("name", ""),
            "address": form.get("address", ""),
            "community": form.get("community") or None,
            "station": form.get("station") or None,
            "active": form.get("active") == "yes",
        }
    )


async def _save(
    request: Request, db: Db, who: Principal, now: dt.datetime, point_id: int | None
) -> Response:
    who.require(Permission.PUBLICITY_EDIT)
    point = None
    if point_id is not None:
        point = service.get_point(session=db, principal=who, point_id=point_id)
    form = form_values(await request.form())
    try:
        save_point(session=db, principal=who, data=_data(form), now=now, point_id=point_id)
        db.commit()
    except (WorkflowError, ValidationError) as exc:
        context = _form_context(db, who, form, refusal(db, exc), point)
        return render(request, "point_form.html", context, 422)
    return RedirectResponse("/publicity/points?msg=saved", status_code=303)


@router.post("/new")
async def new_point(request: Request, db: Db, who: PagePrincipal, now: Now, _: Csrf) -> Response:
    """Create a point; a refused entry keeps what was typed (422)."""
    return await _save(request, db, who, now, None)


@router.post("/{point_id}")
async def edit_point(
    request: Request, point_id: int, db: Db, who: PagePrincipal, now: Now, _: Csrf
) -> Response:
    """Save the edited point."""
    return await _save(request, db, who, now, point_id)
