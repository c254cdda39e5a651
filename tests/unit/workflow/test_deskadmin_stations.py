"""Station administration: rename, deactivate/reactivate, move a community; routing honours it."""

from __future__ import annotations

import pytest

from fanzha.errors import ConflictError, NotFoundError, WorkflowError
from fanzha.workflow.roles import Role
from fanzha.workflow.station import service as stations
from fanzha.workflow.warning import flows, sweep
from fanzha.workflow.warning.routing import DeskConfig
from tests.unit.workflow.support import NOW, Desk


@pytest.fixture
def area(desk: Desk) -> Desk:
    desk.station("S1", ("C1", "C3"))
    desk.station("S2", ("C2",))
    desk.user("a", Role.STATION_OFFICER, "S1")
    desk.user("b", Role.STATION_OFFICER, "S2")
    return desk


def _route(desk: Desk, config: DeskConfig, **kw: object) -> int:
    wid = desk.warning(**kw)
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)
    return wid


def _set_active(desk: Desk, code: str, active: bool) -> None:
    with desk.factory.begin() as s:
        stations.set_active(session=s, code=code, active=active)


def test_rename_station_keeps_code(area: Desk) -> None:
    with area.factory.begin() as s:
        stations.rename(session=s, code="S1", name="  城东派出所 ")
    with area.factory() as s:
        assert stations.get(session=s, code="S1").name == "城东派出所"
    with area.factory.begin() as s, pytest.raises(WorkflowError, match="name"):
        stations.rename(session=s, code="S1", name=" ")
    with area.factory.begin() as s, pytest.raises(NotFoundError):
        stations.rename(session=s, code="S9", name="x")


def test_inactive_station_gets_no_new_warnings_but_keeps_open_ones(
    area: Desk, config: DeskConfig
) -> None:
    before = _route(area, config, community="C1")
    _set_active(area, "S1", False)
    by_community = _route(area, config, community="C1")
    by_station = _route(area, config, station="S1", community=None)
    assert area.get(by_community).station is None and area.get(by_station).station is None
    assert area.get(by_community).assignee_id is None
    assert (area.get(before).station, area.get(before).is_open) == ("S1", True)
    assert area.get(_route(area, config, community="C2")).station == "S2"


def test_reactivated_station_is_routed_to_again(area: Desk, config: DeskConfig) -> None:
    _set_active(area, "S1", False)
    with area.factory.begin() as s, pytest.raises(ConflictError, match="already inactive"):
        stations.set_active(session=s, code="S1", active=False)
    _set_active(area, "S1", True)
    assert area.get(_route(area, config, community="C1")).station == "S1"


def test_moved_community_routes_to_its_new_station(area: Desk, config: DeskConfig) -> None:
    old = _route(area, config, community="C3")
    with area.factory.begin() as s:
        assert stations.move_community(session=s, community="C3", to_station="S2") == ("S1", "S2")
    assert area.get(_route(area, config, community="C3")).station == "S2"
    assert area.get(_route(area, config, community="C1")).station == "S1"
    assert area.get(old).station == "S1"  # open warnings stay where they were
    with area.factory.begin() as s, pytest.raises(ConflictError, match="already belongs"):
        stations.move_community(session=s, community="C3", to_station="S2")
    with area.factory.begin() as s, pytest.raises(NotFoundError):
        stations.move_community(session=s, community="C9", to_station="S2")
    with area.factory.begin() as s, pytest.raises(NotFoundError):
        stations.move_community(session=s, community="C1", to_station="S9")


def test_transfer_to_inactive_station_is_refused(area: Desk, config: DeskConfig) -> None:
    boss = area.user("boss", Role.CENTRE_SUPERVISOR)
    wid = _route(area, config, community="C1")
    _set_active(area, "S2", False)
    with area.factory.begin() as s, pytest.raises(WorkflowError, match="inactive"):
        flows.transfer(
            session=s,
            principal=boss,
            warning_id=wid,
            to_station="S2",
            note="moved house",
            config=config,
            now=NOW,
        )
    assert area.get(wid).station == "S1"
