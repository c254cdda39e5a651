"""Roles, permissions and the principal (a logged-in user or a partner's API key).

The permission matrix is data: :data:`ROLE_PERMISSIONS`. Station scoping is separate from
permissions: a principal with ``station`` set sees only that station's warnings, and one with
``max_level`` set sees only warnings up to that level (grid workers: medium and low).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from fanzha.core.levels import Level
from fanzha.errors import PermissionDeniedError


class Role(StrEnum):
    """What a desk user does."""

    CENTRE_OPERATOR = "centre_operator"
    CENTRE_SUPERVISOR = "centre_supervisor"
    STATION_OFFICER = "station_officer"
    GRID_WORKER = "grid_worker"
    LEADER = "leader"
    ADMIN = "admin"


class Permission(StrEnum):
    """One thing a principal may do. Export, reveal, transfer and stop-payment stand apart."""

    VIEW = "view"  # see warnings (within scope)
    SIGN = "sign"  # 签收
    ACT = "act"  # call, SMS, visit, relatives, operator assistance
    OUTCOME = "outcome"  # record feedback
    ASSIGN = "assign"  # reassign to another officer
    TRANSFER = "transfer"  # 移交 to another station or out of the area
    STOP_PAYMENT = "stop_payment"  # protective stop-payment request
    REVEAL = "reveal"  # unmask personal data (audited, with a purpose)
    EXPORT = "export"  # download lists
    CREATE = "create"  # enter a warning by hand / push a lead
    SUPERVISE = "supervise"  # breaches, overdue list, station ranking
    ADMIN_USERS = "admin_users"
    ADMIN_STATIONS = "admin_stations"
    AUDIT = "audit"  # read and verify the audit log
    CASE_VIEW = "case_view"  # see fraud cases (警情/案件) within scope
    CASE_EDIT = "case_edit"  # enter cases, record stop-payment/freeze/return/solved
    PUBLICITY_VIEW = "publicity_view"  # see campaigns, events, figures (within scope)
    PUBLICITY_EDIT = "publicity_edit"  # record publicity events and what they found
    EVENTS_WRITE = "events_write"  # send events to the real-time stream (partners only)
    PARTNER_ACCOUNTS = "partner_accounts"  # push suspicious accounts (banks, bureaus only)
    PARTNERS_VIEW = "partners_view"  # see partners' keys (prefix only) and what they sent
    BROADCAST_SEND = "broadcast_send"  # add broadcast groups, send broadcasts, record relays


P = Permission
_WORK = {P.VIEW, P.SIGN, P.ACT, P.OUTCOME}
_PUBLICITY = {P.PUBLICITY_VIEW, P.PUBLICITY_EDIT}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CENTRE_OPERATOR: frozenset(
        _WORK
        | {P.ASSIGN, P.TRANSFER, P.REVEAL, P.CREATE}
        | {P.CASE_VIEW, P.CASE_EDIT, P.BROADCAST_SEND}
        | _PUBLICITY
    ),
    Role.CENTRE_SUPERVISOR: frozenset(
        _WORK
        | {P.ASSIGN, P.TRANSFER, P.STOP_PAYMENT, P.REVEAL, P.EXPORT, P.CREATE, P.SUPERVISE}
        | {P.AUDIT, P.CASE_VIEW, P.CASE_EDIT, P.PARTNERS_VIEW, P.BROADCAST_SEND}
        | _PUBLICITY
    ),
    Role.STATION_OFFICER: frozenset(_WORK | {P.REVEAL, P.CASE_VIEW} | _PUBLICITY),
    Role.GRID_WORKER: frozenset({P.VIEW, P.ACT, P.OUTCOME} | _PUBLICITY),  # team leaders
    Role.LEADER: frozenset({P.VIEW, P.SUPERVISE, P.EXPORT, P.CASE_VIEW, P.PUBLICITY_VIEW}),
    Role.ADMIN: frozenset({P.ADMIN_USERS, P.ADMIN_STATIONS, P.AUDIT, P.PARTNERS_VIEW}),
}
STATION_ROLES = frozenset({Role.STATION_OFFICER, Role.GRID_WORKER})

# API-key scopes for partner systems, and what each allows.
SCOPES: dict[str, frozenset[Permission]] = {
    "warnings:read": frozenset({P.VIEW}),
    "leads:write": frozenset({P.CREATE}),
    "outcomes:read": frozenset({P.VIEW}),
    "outcomes:write": frozenset({P.VIEW, P.OUTCOME}),
    "cases:write": frozenset({P.CASE_VIEW, P.CASE_EDIT}),  # e.g. the provincial case system
    "events:write": frozenset({P.EVENTS_WRITE}),  # operators, banks: POST /api/v1/events
    "partner:accounts": frozenset({P.PARTNER_ACCOUNTS}),  # banks: POST /api/v1/partner/accounts
    "publicity:read": frozenset({P.PUBLICITY_VIEW}),  # GET /api/v1/publicity/...
    "publicity:write": frozenset({P.PUBLICITY_VIEW, P.PUBLICITY_EDIT}),  # record events
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (``kind='user'``), an API key (``'api'``) or the desk itself."""

    kind: str
    id: int
    name: str
    permissions: frozenset[Permission]
    role: Role | None = None
    station: str | None = None
    max_level: Level | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        """How the audit log names this principal."""
        return f"{self.kind}:{self.id}:{self.name}"

    def can(self, permission: Permission) -> bool:
        """Whether this principal holds ``permission``."""
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        """Raise :class:`PermissionDeniedError` unless the permission is held."""
        if permission not in self.permissions:
            raise PermissionDeniedError(
                "permission denied", permission=permission.value, who=self.label
            )


def user_principal(user_id: int, name: str, role: Role, station: str | None) -> Principal:
    """The principal of a logged-in user."""
    return Principal(
        kind="user",
        id=user_id,
        name=name,
        permissions=ROLE_PERMISSIONS[role],
        role=role,
        station=(station or "") if role in STATION_ROLES else None,
        max_level=Level.MEDIUM if role is Role.GRID_WORKER else None,
    )


def api_principal(key_id: int, name: str, scopes: list[str], station: str | None) -> Principal:
    """The principal of a partner's API key."""
    perms: set[Permission] = set()
    for scope in scopes:
        perms |= SCOPES.get(scope, frozenset())
    return Principal(
        kind="api",
        id=key_id,
        name=name,
        permissions=frozenset(perms),
        station=station,
        scopes=frozenset(scopes),
    )


SYSTEM = Principal(kind="system", id=0, name="desk", permissions=frozenset(Permission))
