"""The permission matrix: every role × every action, by HTTP, against ROLE_PERMISSIONS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from fanzha.workflow.roles import ROLE_PERMISSIONS, Permission
from tests.unit.web.support import ROLE_USERS, Browser, add_warning, version_of

Do = Callable[[Browser, int], Any]

ACTIONS: dict[str, tuple[Permission, Do]] = {
    "view": (Permission.VIEW, lambda b, w: b.client.get(f"/warnings/{w}")),
    "sign": (Permission.SIGN, lambda b, w: b.post(f"/warnings/{w}/sign")),
    "call": (
        Permission.ACT,
        lambda b, w: b.post(f"/warnings/{w}/action", {"kind": "call", "result": "reached"}),
    ),
    "outcome": (
        Permission.OUTCOME,
        lambda b, w: b.post(
            f"/warnings/{w}/outcome",
            {
                "category": "dissuaded",
                "version": str(version_of(b.client.app, w)),
                "confirmed_level": "2",
                "confirmed_type": "romance",
            },
        ),
    ),
    "assign": (Permission.ASSIGN, lambda b, w: b.post(f"/warnings/{w}/assign", {"user_id": ""})),
    "transfer": (
        Permission.TRANSFER,
        lambda b, w: b.post(f"/warnings/{w}/transfer", {"to_station": "S2", "note": "moved"}),
    ),
    "stop_payment": (
        Permission.STOP_PAYMENT,
        lambda b, w: b.post(
            f"/warnings/{w}/action",
            {"kind": "stop_payment", "reason": "r", "notice": "n", "appeal_channel": "96110"},
        ),
    ),
    "reveal": (
        Permission.REVEAL,
        lambda b, w: b.post(f"/warnings/{w}/reveal", {"purpose": "回拨核实"}),
    ),
    "export": (Permission.EXPORT, lambda b, w: b.client.get("/export.csv")),
    "create": (
        Permission.CREATE,
        lambda b, w: b.post(
            "/new", {"phone": "13912345678", "level": "3", "fraud_type": "romance"}
        ),
    ),
    "supervise": (Permission.SUPERVISE, lambda b, w: b.client.get("/supervise")),
    "admin_users": (Permission.ADMIN_USERS, lambda b, w: b.client.get("/admin/users")),
    "admin_stations": (Permission.ADMIN_STATIONS, lambda b, w: b.client.get("/admin/stations")),
    "audit": (Permission.AUDIT, lambda b, w: b.client.get("/admin/audit")),
    "case_view": (Permission.CASE_VIEW, lambda b, w: b.client.get(f"/cases/{_s1_case(b)}")),
    "case_edit": (
        Permission.CASE_EDIT,
        lambda b, w: b.post(
            "/cases/new",
            {"case_no": f"PM-{w}", "reported_at": "2026-03-02T09:00", "station": "S1"},
        ),
    ),
    "publicity_view": (Permission.PUBLICITY_VIEW, lambda b, w: b.client.get("/campaigns")),
    "publicity_edit": (
        Permission.PUBLICITY_EDIT,
        lambda b, w: b.post(
            "/publicity/event",
            {"kind": "market", "held_at": "2026-03-02T09:00", "community": "C1", "reached": "5"},
        ),
    ),
    # partner systems only (scope events:write): every desk role is refused before validation
    # partner systems only (scope partner:accounts): desk roles are refused
    "partner_accounts": (
        Permission.PARTNER_ACCOUNTS,
        lambda b, w: b.api("POST", "/api/v1/partner/accounts", json={"rows": [{"row_id": "1"}]}),
    ),
    "partners_view": (Permission.PARTNERS_VIEW, lambda b, w: b.client.get("/partners")),
    "broadcast_send": (
        Permission.BROADCAST_SEND,
        lambda b, w: b.post(
            "/broadcasts/groups",
            {
                "name": f"家长群-{w}",
                "area": "310104",
                "audience": "parents",
                "robot": "wecom",
                "webhook_url": "http://127.0.0.1:9/cgi-bin/webhook/send?key=k",
            },
        ),
    ),
    "events_write": (
        Permission.EVENTS_WRITE,
        lambda b, w: b.api("POST", "/api/v1/events", json={"events": []}),
    ),
}
ROLES = [name for name in ROLE_USERS if name != "officer2"]


def _s1_case(b: Browser) -> int:
    """A case of station S1 (the station officer's), inserted directly."""
    import datetime as dt

    from fanzha.workflow.case.models import Case

    with b.client.app.state.desk.factory.begin() as s:  # type: ignore[attr-defined]
        case = Case(
            case_no=f"PV-{dt.datetime.now().timestamp()}",
            reported_at=dt.datetime(2026, 3, 2, 9, 0),
            station="S1",
            fraud_type="other",
            loss_fen=0,
            solved=False,
            arrests=0,
            source="manual",
            note="",
        )
        s.add(case)
        s.flush()
        return case.id


@pytest.mark.parametrize("user", ROLES)
def test_permission_matrix_role_by_action(app: FastAPI, user: str) -> None:
    role = ROLE_USERS[user][0]
    browser = Browser(app)
    browser.login(user)
    for name, (permission, do) in ACTIONS.items():
        wid = add_warning(app, community="C1", level=2)
        response = do(browser, wid)
        allowed = permission in ROLE_PERMISSIONS[role]
        if allowed:
            assert response.status_code in (200, 303), (user, name, response.status_code)
        else:
            assert response.status_code == 403, (user, name, response.status_code)


def test_permission_matrix_covers_every_permission() -> None:
    assert {p for p, _ in ACTIONS.values()} == set(Permission)
