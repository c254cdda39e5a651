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
from fanzha.workflow.clock import utc_now
from fanzha.workflow.roles import SCOPES, Permission, Principal, Role
from fanzha.workflow.station import service as stations
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


def _audit(db: Db, who: Principal, now: Now, action: str, obj: str, detail: dict[str, Any]) -> None:
    audit.append(
        session=db,
        actor=who.label,
        action=action,
        object_type="admin",
        object_id=obj,
        at=now,
        detail=detail,
    )


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
    who.require(Permission.ADMIN_USERS)
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
        user = users.create(session=db, data=data)
        _audit(db, who, now, "user.create", str(user.id), {"username": username, "role": role})
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
    who.require(Permission.ADMIN_USERS)
    user = users.get(session=db, user_id=user_id)
    if op == "toggle_active":
        user.active = not user.active
        user.auth_epoch += 1
    elif op == "toggle_duty":
        user.on_duty = not user.on_duty
    elif op == "password":
        users.set_password(session=db, user_id=user_id, password=password)
    else:
        raise WorkflowError("unknown operation", op=op)
    _audit(db, who, now, f"user.{op}", str(user_id), {"username": user.username})
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
    who.require(Permission.ADMIN_USERS)
    scopes = [s for s in (await request.form()).getlist("scopes") if s in SCOPES]
    if not scopes or not name.strip():
        return _users_page(request, db, {"error": "name and at least one scope"}, 422)
    key, secret = users.create_api_key(
        session=db, name=name.strip(), scopes=scopes, station_code=station_code or None
    )
    _audit(db, who, now, "apikey.create", str(key.id), {"name": key.name, "scopes": scopes})
    db.commit()
    return _users_page(request, db, {"secret": secret})


@router.post("/api-keys/{key_id}/revoke")
def revoke_api_key(db: Db, who: PagePrincipal, now: Now, _: Csrf, key_id: int) -> Response:
    """Revoke a partner's API key: refused (401) from the next request on."""
    who.require(Permission.ADMIN_USERS)
    key = users.revoke_api_key(session=db, key_id=key_id, by=who.label, now=utc_now())
    _audit(db, who, now, "apikey.revoke", str(key.id), {"name": key.name, "prefix": key.prefix})
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
    who.require(Permission.ADMIN_STATIONS)
    try:
        detail = _change_station(db, code, op, name)
        _audit(db, who, now, f"station.{op}", code, detail)
        db.commit()
    except WorkflowError as exc:
        db.rollback()
        return _stations_page(request, db, str(exc), 404 if isinstance(exc, NotFoundError) else 409)
    return RedirectResponse("/admin/stations?msg=saved", status_code=303)


def _change_station(db: Db, code: str, op: str, name: str) -> dict[str, Any]:
    if op == "rename":
        before = stations.get(session=db, code=code).name
        return {"from": before, "to": stations.rename(session=db, code=code, name=name).name}
    if op in ("deactivate", "activate"):
        stations.set_active(session=db, code=code, active=op == "activate")
        return {"active": op == "activate"}
    raise WorkflowError("unknown operation", op=op)


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
    who.require(Permission.ADMIN_STATIONS)
    try:
        before, after = stations.move_community(
            session=db, community=community, to_station=to_station
        )
        _audit(db, who, now, "community.move", community, {"from": before, "to": after})
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
    who.require(Permission.ADMIN_STATIONS)
    try:
        stations.create(session=db, code=code.strip(), name=name.strip())
        _audit(db, who, now, "station.create", code, {"name": name})
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
