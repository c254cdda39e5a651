"""Admin pages: users, stations, partners' API keys, and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from fanzha.errors import NotFoundError, WorkflowError
from fanzha.web.deps import Csrf, Db, Now, PagePrincipal
from fanzha.web.render import render
from fanzha.workflow.audit import service as audit
from fanzha.workflow.roles import SCOPES, Permission, Role
from fanzha.workflow.station import flows as station_flows
from fanzha.workflow.station import service as stations
from fanzha.workflow.user import flows as user_flows
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import UserCreate

router = APIRouter(prefix="/admin", include_in_schema=False)
Field = Annotated[str, Form(max_length=256)]


def _users_page(
    request: Request, db: Db, extra: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    context = {
        "users": users.list_all(session=db),
        "roles": list(Role),
        "stations": stations.list_all(session=db),
        "keys": users.list_api_keys(session=db),
        "scopes": sorted(SCOPES),
        "error": None,
        "secret": None,
        "form": {},
    }
    return render(request, "admin_users.html", {**context, **(extra or {})}, status_code)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, db: Db, who: PagePrincipal) -> Response:
    """Users and API keys."""
    who.require(Permission.ADMIN_USERS)
    return _users_page(request, db)


@router.post("/users")
def create_user(
    request: Request,
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    username: Field,
    display_name: Field,
    role: Field,
    password: Field,
    station_code: Field = "",
) -> Response:
    """Add a user."""
    who.require(Permission.ADMIN_USERS)  # 403 here, not a form error below
    form = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "station_code": station_code,
    }
    try:
        data = UserCreate(
            username=username,
            display_name=display_name,
            role=Role(role),
            password=password,
            station_code=station_code or None,
        )
        user_flows.create_user(session=db, principal=who, data=data, now=now)
        db.commit()
    except (WorkflowError, ValidationError, ValueError) as exc:
        db.rollback()
        return _users_page(request, db, {"error": str(exc), "form": form}, 422)
    return RedirectResponse("/admin/users?msg=saved", status_code=303)


@router.post("/users/{user_id}")
def update_user(
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    user_id: int,
    op: Field,
    password: Field = "",
) -> Response:
    """Toggle active / on duty, or set a new password (ends the user's sessions)."""
    user_flows.update_user(
        session=db, principal=who, user_id=user_id, op=op, now=now, password=password
    )
    db.commit()
    return RedirectResponse("/admin/users?msg=saved", status_code=303)


@router.post("/api-keys", response_class=HTMLResponse)
async def create_api_key(
    request: Request,
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    name: Field,
    station_code: Field = "",
) -> Response:
    """Issue a partner API key; the secret is shown once."""
    who.require(Permission.ADMIN_USERS)  # 403 here, not a form error below
    scopes = [str(s) for s in (await request.form()).getlist("scopes")]
    try:
        issued = user_flows.issue_api_key(
            session=db,
            principal=who,
            name=name,
            scopes=scopes,
            station_code=station_code or None,
            now=now,
        )
        db.commit()
    except WorkflowError as exc:
        db.rollback()
        return _users_page(request, db, {"error": exc.message}, 422)
    return _users_page(request, db, {"secret": issued[1]})


@router.post("/api-keys/{key_id}/revoke")
def revoke_api_key(db: Db, who: PagePrincipal, now: Now, _: Csrf, key_id: int) -> Response:
    """Revoke a partner's API key: refused (401) from the next request on."""
    user_flows.revoke_api_key(session=db, principal=who, key_id=key_id, now=now)
    db.commit()
    return RedirectResponse("/admin/users?msg=saved", status_code=303)


def _stations_page(
    request: Request, db: Db, error: str | None = None, status_code: int = 200
) -> Response:
    context = {
        "stations": stations.list_all(session=db),
        "communities": stations.list_communities(session=db),
        "error": error,
    }
    return render(request, "admin_stations.html", context, status_code)


@router.get("/stations", response_class=HTMLResponse)
def stations_page(request: Request, db: Db, who: PagePrincipal) -> Response:
    """Stations and their communities."""
    who.require(Permission.ADMIN_STATIONS)
    return _stations_page(request, db)


@router.post("/stations/{code}")
def update_station(
    request: Request,
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    code: str,
    op: Field,
    name: Field = "",
) -> Response:
    """Rename (``op=rename``), deactivate or reactivate (``op=deactivate|activate``) a station."""
    who.require(Permission.ADMIN_STATIONS)  # 403 here, not a form error below
    try:
        station_flows.change_station(
            session=db, principal=who, code=code, op=op, name=name, now=now
        )
        db.commit()
    except WorkflowError as exc:
        db.rollback()
        return _stations_page(request, db, str(exc), 404 if isinstance(exc, NotFoundError) else 409)
    return RedirectResponse("/admin/stations?msg=saved", status_code=303)


@router.post("/communities/{community}")
def move_community(
    request: Request,
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    community: str,
    to_station: Field,
) -> Response:
    """Give a community to another station (new warnings route there; open ones stay)."""
    who.require(Permission.ADMIN_STATIONS)  # 403 here, not a form error below
    try:
        station_flows.move_community(
            session=db, principal=who, community=community, to_station=to_station, now=now
        )
        db.commit()
    except WorkflowError as exc:
        db.rollback()
        return _stations_page(request, db, str(exc), 404 if isinstance(exc, NotFoundError) else 409)
    return RedirectResponse("/admin/stations?msg=saved", status_code=303)


@router.post("/stations")
def create_station(
    request: Request,
    db: Db,
    who: PagePrincipal,
    now: Now,
    _: Csrf,
    code: Field,
    name: Field,
) -> Response:
    """Add a station."""
    who.require(Permission.ADMIN_STATIONS)  # 403 here, not a form error below
    try:
        station_flows.create_station(session=db, principal=who, code=code, name=name, now=now)
        db.commit()
    except WorkflowError as exc:
        db.rollback()
        return _stations_page(request, db, exc.message, 409)
    return RedirectResponse("/admin/stations?msg=saved", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, db: Db, who: PagePrincipal, verify: int = 0) -> Response:
    """The latest audit records and, on request, a verification of the whole chain."""
    who.require(Permission.AUDIT)
    result = audit.verify(session=db) if verify else None
    records = audit.recent(session=db, limit=200)
    return render(request, "audit.html", {"records": records, "result": result})
