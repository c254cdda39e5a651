"""Roster entries made on the pages (SQLite and PostgreSQL): a volunteer added and edited as a
roster row is validated, teams and fixed points created and edited, every change audited and
kept within a station role's station."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import NotFoundError, WorkflowError
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.campaign import service as campaigns
from fanzha.workflow.campaign.points import save_point
from fanzha.workflow.campaign.schemas import PointEdit
from fanzha.workflow.roles import Role, user_principal
from fanzha.workflow.station import service as stations
from fanzha.workflow.volunteer import flows
from fanzha.workflow.volunteer import service as roster
from fanzha.workflow.volunteer.importer import import_volunteers
from fanzha.workflow.volunteer.models import Team, Volunteer
from fanzha.workflow.volunteer.rows import parse_volunteer
from fanzha.workflow.volunteer.schemas import TeamEdit
from fanzha.workflow.volunteer.teams import save_team
from tests.unit.workflow.support import NOW

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "volunteers.csv"
CENTRE = user_principal(1, "op", Role.CENTRE_OPERATOR, None)
S1 = user_principal(2, "o1", Role.STATION_OFFICER, "S1")
S2 = user_principal(3, "o2", Role.STATION_OFFICER, "S2")


@pytest.fixture
def seeded(factory: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    with factory.begin() as s:
        stations.upsert_jurisdiction(
            session=s,
            rows=[{"community": "C1", "station": "S1"}, {"community": "C2", "station": "S2"}],
        )
    import_volunteers(EXAMPLE, factory=factory, now=NOW, quarantine_dir=tmp_path)
    return factory


def _row(**change: str) -> dict[str, str | None]:
    return {"name": "赵敏", "phone": "13900001111", "community": "C1", **change}


def _actions(s: Session) -> list[str]:
    return list(s.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))


def test_roster_edit_volunteer_added_edited_and_moved(seeded: sessionmaker[Session]) -> None:
    with seeded.begin() as s:
        parsed = parse_volunteer(0, _row(team="城关蓝马甲一队", team_leader="是"))
        zhao = flows.enter_volunteer(session=s, principal=S1, parsed=parsed, station=None, now=NOW)
        team = s.scalar(select(Team).where(Team.code == "城关蓝马甲一队"))
        assert team is not None and team.leader_id == zhao.id and zhao.station == "S1"
        zhao_id = zhao.id
    with seeded.begin() as s:
        moved = parse_volunteer(0, _row(phone="13900002222", team="", active="离队"))
        flows.enter_volunteer(
            session=s, principal=S1, parsed=moved, station=None, now=NOW, volunteer_id=zhao_id
        )
    with seeded() as s:
        zhao = s.get(Volunteer, zhao_id)
        assert zhao is not None
        assert (zhao.phone, zhao.team_id, zhao.active) == (8613900002222, None, False)
        team = s.scalar(select(Team).where(Team.code == "城关蓝马甲一队"))
        assert team is not None and team.leader_id is None  # left the team it led
        assert _actions(s)[-2:] == ["volunteer.create", "volunteer.update"]
        counts = roster.roster_counts(session=s, principal=S1, community="C1")
        assert counts == {"total": 3, "active": 2, "left": 1}


def test_roster_edit_refuses_a_taken_phone_another_station_and_its_records(
    seeded: sessionmaker[Session],
) -> None:
    with seeded() as s:
        taken = parse_volunteer(0, _row(phone="13812345603"))  # 王芳's (S2)
        with pytest.raises(WorkflowError, match="on the roster already"):
            flows.enter_volunteer(session=s, principal=CENTRE, parsed=taken, station=None, now=NOW)
        with pytest.raises(WorkflowError, match="another station"):
            flows.enter_volunteer(
                session=s, principal=S2, parsed=parse_volunteer(0, _row()), station=None, now=NOW
            )
        wang = s.scalar(select(Volunteer).where(Volunteer.name == "王芳"))
        assert wang is not None
        with pytest.raises(NotFoundError):
            flows.enter_volunteer(
                session=s,
                principal=S1,
                parsed=parse_volunteer(0, _row(community="")),
                station=None,
                now=NOW,
                volunteer_id=wang.id,
            )
        other_team = parse_volunteer(0, _row(community="", team="东湖蓝马甲"))
        with pytest.raises(WorkflowError, match="no such team"):
            flows.enter_volunteer(session=s, principal=S1, parsed=other_team, station=None, now=NOW)


def test_roster_edit_teams_and_points_audited_and_scoped(seeded: sessionmaker[Session]) -> None:
    with seeded.begin() as s:
        team = save_team(session=s, principal=S1, data=TeamEdit(name="城关三队"), now=NOW)
        point = save_point(
            session=s, principal=CENTRE, data=PointEdit(name="银行大厅", community="C2"), now=NOW
        )
        assert (team.code, team.station, point.station) == ("城关三队", "S1", "S2")
        team_id, point_id = team.id, point.id
    with seeded.begin() as s:
        edited = PointEdit(name="银行大厅", community="C2", address="东湖路", active=False)
        save_point(session=s, principal=S2, data=edited, now=NOW, point_id=point_id)
        with pytest.raises(WorkflowError, match="exists already"):
            save_team(session=s, principal=S1, data=TeamEdit(name="城关蓝马甲一队"), now=NOW)
    with seeded() as s:
        assert _actions(s)[-3:] == [
            "team.create",
            "publicity_point.create",
            "publicity_point.update",
        ]
        assert [p.name for p in campaigns.points_of(session=s, principal=S2)] == []
        assert len(campaigns.points_of(session=s, principal=S2, active_only=False)) == 1
        with pytest.raises(NotFoundError):
            roster.get_team(session=s, principal=S2, team_id=team_id)
        with pytest.raises(NotFoundError):
            campaigns.get_point(session=s, principal=S1, point_id=point_id)
        rows = {r.team.code: r for r in roster.list_teams(session=s, principal=CENTRE)}
        assert (rows["东湖蓝马甲"].leader, rows["东湖蓝马甲"].members) == ("王芳", 2)
        assert (rows["城关三队"].leader, rows["城关三队"].members) == (None, 0)
