"""User and station flows: permission checked, change audited, bad input refused."""

from __future__ import annotations

import pytest

from fanzha.core.masking import mask_account
from fanzha.errors import PermissionDeniedError, WorkflowError
from fanzha.workflow.audit import service as audit
from fanzha.workflow.roles import Principal, Role
from fanzha.workflow.station import flows as station_flows
from fanzha.workflow.user import flows as user_flows
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import UserCreate
from tests.unit.workflow.support import NOW, PASSWORD, Desk


@pytest.fixture
def admin(desk: Desk) -> Principal:
    return desk.user("root", Role.ADMIN)


def test_user_flows_create_is_audited_and_needs_admin(desk: Desk, admin: Principal) -> None:
    data = UserCreate(
        username="zhang", display_name="张", role=Role.CENTRE_OPERATOR, password=PASSWORD
    )
    operator = desk.user("op", Role.CENTRE_OPERATOR)
    with desk.factory.begin() as s, pytest.raises(PermissionDeniedError):
        user_flows.create_user(session=s, principal=operator, data=data, now=NOW)
    with desk.factory.begin() as s:
        user = user_flows.create_user(session=s, principal=admin, data=data, now=NOW)
    with desk.factory() as s:
        last = audit.recent(session=s, limit=1)[0]
    assert (last.action, last.object_id, last.detail) == (
        "user.create",
        str(user.id),
        {"username": "zhang", "role": "centre_operator"},
    )


def test_user_flows_toggle_active_ends_sessions(desk: Desk, admin: Principal) -> None:
    desk.station("S1")
    officer = desk.user("a", Role.STATION_OFFICER, "S1")
    with desk.factory.begin() as s:
        epoch = users.get(session=s, user_id=officer.id).auth_epoch
        user = user_flows.update_user(
            session=s, principal=admin, user_id=officer.id, op="toggle_active", now=NOW
        )
        assert (user.active, user.auth_epoch) == (False, epoch + 1)
    with desk.factory.begin() as s, pytest.raises(WorkflowError, match="unknown operation"):
        user_flows.update_user(session=s, principal=admin, user_id=officer.id, op="drop", now=NOW)


def test_user_flows_api_key_refuses_unknown_scopes(desk: Desk, admin: Principal) -> None:
    with desk.factory.begin() as s, pytest.raises(WorkflowError, match="known scope"):
        user_flows.issue_api_key(
            session=s, principal=admin, name="bank", scopes=["root"], station_code=None, now=NOW
        )
    with desk.factory.begin() as s:
        key, secret = user_flows.issue_api_key(
            session=s,
            principal=admin,
            name=" bank ",
            scopes=["leads:write"],
            station_code=None,
            now=NOW,
        )
    assert key.name == "bank" and secret.startswith("fz_")


def test_station_flows_rename_move_and_deactivate_are_audited(desk: Desk, admin: Principal) -> None:
    desk.station("S1", ("C1",))
    with desk.factory.begin() as s:
        station_flows.create_station(session=s, principal=admin, code=" S2 ", name="二所", now=NOW)
        detail = station_flows.change_station(
            session=s, principal=admin, code="S1", op="rename", name="一所", now=NOW
        )
        moved = station_flows.move_community(
            session=s, principal=admin, community="C1", to_station="S2", now=NOW
        )
        station_flows.change_station(
            session=s, principal=admin, code="S1", op="deactivate", name="", now=NOW
        )
    assert detail == {"from": "S1派出所", "to": "一所"} and moved == ("S1", "S2")
    with desk.factory() as s:
        actions = [r.action for r in audit.recent(session=s, limit=4)]
    assert sorted(actions) == [
        "community.move",
        "station.create",
        "station.deactivate",
        "station.rename",
    ]


def test_station_flows_need_the_station_permission(desk: Desk) -> None:
    officer = desk.user("a", Role.CENTRE_OPERATOR)
    with desk.factory.begin() as s, pytest.raises(PermissionDeniedError):
        station_flows.create_station(session=s, principal=officer, code="S9", name="x", now=NOW)


@pytest.mark.parametrize(
    ("account", "shown", "kept"),
    [
        ("6222000011112222", "6222********2222", "****2222"),
        ("12345678", "12******", "****"),
        (" 62170000 8888 ", "6217*****8888", "****8888"),
        ("****2222", "****2222", "****2222"),  # a purged account shows what it kept
    ],
)
def test_mask_account_display_and_purge_forms(account: str, shown: str, kept: str) -> None:
    assert mask_account(account) == shown
    assert mask_account(account, purged=True) == kept
