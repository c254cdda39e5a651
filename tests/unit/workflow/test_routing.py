"""Routing: station by community, centre queue outside the area, least-loaded officer."""

from __future__ import annotations

from fanzha.workflow.roles import Role
from fanzha.workflow.warning import sweep
from fanzha.workflow.warning.routing import DeskConfig, pick_officer
from tests.unit.workflow.support import NOW, Desk


def test_pick_officer_prefers_least_loaded_under_capacity() -> None:
    assert pick_officer({1: (3, 0), 2: (1, 0), 3: (1, 0)}, 5) == 2
    assert pick_officer({1: (5, 0), 2: (2, 2)}, 5) is None
    assert pick_officer({1: (4, 10), 2: (2, 2)}, 3) == 1


def test_route_new_uses_community_station_and_balances_officers(
    desk: Desk, config: DeskConfig
) -> None:
    desk.station("S1", ("C1",))
    a = desk.user("a", Role.STATION_OFFICER, "S1")
    b = desk.user("b", Role.STATION_OFFICER, "S1")
    ids = [desk.warning(community="C1") for _ in range(3)]
    with desk.factory.begin() as s:
        counts = sweep.tick(session=s, config=config, now=NOW)
    assert counts["routed"] == 3
    routed = [desk.get(i) for i in ids]
    assert {w.station for w in routed} == {"S1"}
    assert sorted(w.assignee_id for w in routed) == sorted([a.id, a.id, b.id])
    assert all(w.status == "routed" and w.due_stage == "sign" for w in routed)


def test_route_new_respects_capacity_cap(desk: Desk, config: DeskConfig) -> None:
    desk.station("S1", ("C1",))
    desk.user("a", Role.STATION_OFFICER, "S1")
    ids = [desk.warning(community="C1") for _ in range(3)]
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)  # capacity 2
    assert [desk.get(i).assignee_id is None for i in ids].count(True) == 1


def test_route_outside_area_goes_to_centre_queue(desk: Desk, config: DeskConfig) -> None:
    desk.station("S1", ("C1",))
    wid = desk.warning(community="ELSEWHERE", station="UNKNOWN")
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)
    w = desk.get(wid)
    assert w.station is None and w.assignee_id is None and w.status == "routed"


def test_route_skips_officers_off_duty_and_other_stations(desk: Desk, config: DeskConfig) -> None:
    desk.station("S1", ("C1",))
    desk.station("S2", ("C2",))
    desk.user("other", Role.STATION_OFFICER, "S2")
    grid = desk.user("grid", Role.GRID_WORKER, "S1")
    wid = desk.warning(community="C1")
    with desk.factory.begin() as s:
        sweep.tick(session=s, config=config, now=NOW)
    assert grid.id and desk.get(wid).assignee_id is None
