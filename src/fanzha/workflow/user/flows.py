"""What an administrator does to desk users and partners' API keys: checked and audited.

Each flow checks :attr:`Permission.ADMIN_USERS`, changes the user or key through
:mod:`~fanzha.workflow.user.service` and appends to the audit log in the caller's transaction
(the caller commits). The admin pages only parse forms and render.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy.orm import Session

from fanzha.errors import WorkflowError
from fanzha.workflow.audit import service as audit
from fanzha.workflow.clock import utc_now
from fanzha.workflow.roles import SCOPES, Permission, Principal
from fanzha.workflow.user import service
from fanzha.workflow.user.models import ApiKey, User, UserCreate

UserOp = Literal["toggle_active", "toggle_duty", "password"]
USER_OPS: tuple[UserOp, ...] = ("toggle_active", "toggle_duty", "password")


def audit_admin(
    session: Session,
    principal: Principal,
    now: dt.datetime,
    action: str,
    obj: str,
    detail: dict[str, Any],
) -> None:
    """An ``admin`` audit record (users, keys, stations, communities)."""
    audit.append(
        session=session,
        actor=principal.label,
        action=action,
        object_type="admin",
        object_id=obj,
        at=now,
        detail=detail,
    )


def create_user(
    *, session: Session, principal: Principal, data: UserCreate, now: dt.datetime
) -> User:
    """Add a desk user."""
    principal.require(Permission.ADMIN_USERS)
    user = service.create(session=session, data=data)
    detail = {"username": user.username, "role": data.role.value}
    audit_admin(session, principal, now, "user.create", str(user.id), detail)
    return user


def update_user(
    *,
    session: Session,
    principal: Principal,
    user_id: int,
    op: str,
    now: dt.datetime,
    password: str = "",
) -> User:
    """Toggle active (ends the user's sessions) or on duty, or set a new password."""
    principal.require(Permission.ADMIN_USERS)
    if op not in USER_OPS:
        raise WorkflowError("unknown operation", op=op)
    user = service.get(session=session, user_id=user_id)
    if op == "toggle_active":
        user.active = not user.active
        user.auth_epoch += 1
    elif op == "toggle_duty":
        user.on_duty = not user.on_duty
    else:
        service.set_password(session=session, user_id=user_id, password=password)
    audit_admin(session, principal, now, f"user.{op}", str(user_id), {"username": user.username})
    return user


def issue_api_key(
    *,
    session: Session,
    principal: Principal,
    name: str,
    scopes: list[str],
    station_code: str | None,
    now: dt.datetime,
) -> tuple[ApiKey, str]:
    """A partner API key and its secret (shown once); unknown scopes are refused."""
    principal.require(Permission.ADMIN_USERS)
    unknown = sorted(set(scopes) - set(SCOPES))
    if not scopes or unknown or not name.strip():
        raise WorkflowError("name and at least one known scope", unknown=unknown or None)
    key, secret = service.create_api_key(
        session=session, name=name.strip(), scopes=scopes, station_code=station_code
    )
    detail = {"name": key.name, "scopes": scopes}
    audit_admin(session, principal, now, "apikey.create", str(key.id), detail)
    return key, secret


def revoke_api_key(
    *, session: Session, principal: Principal, key_id: int, now: dt.datetime
) -> ApiKey:
    """Revoke a partner's API key: refused (401) from the next request on."""
    principal.require(Permission.ADMIN_USERS)
    key = service.revoke_api_key(session=session, key_id=key_id, by=principal.label, now=utc_now())
    detail = {"name": key.name, "prefix": key.prefix}
    audit_admin(session, principal, now, "apikey.revoke", str(key.id), detail)
    return key
