"""The roster, team and fixed-point pages over HTTP: phones masked, filters and pages,
permissions and station scope, add/edit round trips (audited), refused entries kept (422)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.campaign.models import PublicityPoint
from fanzha.workflow.volunteer.importer import import_volunteers
from fanzha.workflow.volunteer.models import Team, Volunteer
from tests.unit.web.support import NOW, Browser

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "volunteers.csv"
TEMPLATES = Path(__file__).resolve().parents[3] / "src" / "fanzha" / "web" / "templates"
PERSON = {
    "name": "赵敏",
    "phone": "139 0000 1111",
    "organisation": "城关小学",
    "category": "staff",
    "community": "C1",
    "team": "",
    "joined": "2026-02-01",
    "active": "yes",
    "left": "",
}


def _roster(app: FastAPI, tmp_path: Path) -> None:
    """The example roster: 张伟 李娜 (C1, S1, 城关蓝马甲一队), 王芳 刘洋 陈静 (C2, S2)."""
    import_volunteers(EXAMPLE, factory=app.state.desk.factory, now=NOW, quarantine_dir=tmp_path)


def _count(page: Any, name: str) -> int:
    found = re.search(rf'data-count="{name}">(\d+)<', page.text)
    assert found, page.text
    return int(found.group(1))


def _audits(app: FastAPI, action: str) -> list[AuditRecord]:
    with app.state.desk.factory() as s:
        return list(s.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def _team(app: FastAPI, b: Browser, name: str, community: str = "C1") -> int:
    saved = b.post("/teams/new", {"name": name, "community": community})
    assert saved.status_code == 303, saved.text
    with app.state.desk.factory() as s:
        team = s.scalar(select(Team).where(Team.name == name))
        assert team is not None
        return team.id


def _volunteer(app: FastAPI, name: str) -> Volunteer:
    with app.state.desk.factory() as s:
        volunteer = s.scalar(select(Volunteer).where(Volunteer.name == name))
        assert volunteer is not None
        return volunteer


def test_roster_page_masks_phones_counts_and_filters(app: FastAPI, tmp_path: Path) -> None:
    _roster(app, tmp_path)
    b = Browser(app)
    b.login("operator")
    page = b.client.get("/volunteers")
    assert page.status_code == 200
    assert "张伟" in page.text and "138****5601" in page.text
    assert not re.search(r"1381234560\d", page.text)  # no full phone anywhere in the page
    assert (_count(page, "total"), _count(page, "active"), _count(page, "left")) == (5, 4, 1)
    left = b.client.get("/volunteers?active=no")
    assert "陈静" in left.text and "张伟" not in left.text and 'data-state="left"' in left.text
    c1 = b.client.get("/volunteers?community=C1")
    assert "李娜" in c1.text and "王芳" not in c1.text and _count(c1, "total") == 2
    with app.state.desk.factory() as s:
        team = s.scalar(select(Team).where(Team.code == "东湖蓝马甲"))
        assert team is not None
    by_team = b.client.get(f"/volunteers?team={team.id}")
    assert "刘洋" in by_team.text and "张伟" not in by_team.text
    assert "/volunteers" in b.client.get("/campaigns").text  # linked from the campaigns page


def test_roster_page_is_paginated(app: FastAPI, tmp_path: Path) -> None:
    _roster(app, tmp_path)
    app.state.desk.settings.page_size = 5
    b = Browser(app)
    b.login("operator")
    assert b.post("/volunteers/new", PERSON).status_code == 303
    first = b.client.get("/volunteers")
    assert first.text.count("data-volunteer=") == 5 and "page=1" in first.text
    second = b.client.get("/volunteers?page=1")
    assert second.text.count("data-volunteer=") == 1 and "page=0" in second.text


def test_roster_station_sees_own_and_others_are_404(app: FastAPI, tmp_path: Path) -> None:
    _roster(app, tmp_path)
    b = Browser(app)
    b.login("officer")  # S1
    page = b.client.get("/volunteers")
    assert "张伟" in page.text and "王芳" not in page.text and _count(page, "total") == 2
    wang = _volunteer(app, "王芳")  # S2's
    assert b.client.get(f"/volunteers/{wang.id}").status_code == 404
    assert b.post(f"/volunteers/{wang.id}", {**PERSON, "name": "x"}).status_code == 404
    teams = b.client.get("/teams")
    assert "城关蓝马甲一队" in teams.text and "东湖蓝马甲" not in teams.text
    assert _volunteer(app, "王芳").name == "王芳"


def test_roster_leader_views_but_cannot_edit_and_admin_sees_nothing(
    app: FastAPI, tmp_path: Path
) -> None:
    _roster(app, tmp_path)
    zhang = _volunteer(app, "张伟")
    leader = Browser(app)
    leader.login("leader")
    for url in ("/volunteers", "/teams", "/publicity/points"):
        assert leader.client.get(url).status_code == 200, url
    assert f'href="/volunteers/{zhang.id}"' not in leader.client.get("/volunteers").text
    for url in (
        "/volunteers/new",
        f"/volunteers/{zhang.id}",
        "/teams/new",
        "/publicity/points/new",
    ):
        assert leader.client.get(url).status_code == 403, url
    for url in ("/volunteers/new", "/teams/new", "/publicity/points/new"):
        assert leader.post(url, {**PERSON, "address": "x"}).status_code == 403, url
    admin = Browser(app)
    admin.login("admin")
    for url in ("/volunteers", "/teams", "/publicity/points", "/volunteers/new"):
        assert admin.client.get(url).status_code == 403, url


def test_volunteer_add_and_edit_round_trip_audited(app: FastAPI) -> None:
    b = Browser(app)
    b.login("grid")  # S1, a team leader
    _team(app, b, "城关二队")
    with app.state.desk.factory() as s:
        code = s.scalar(select(Team.code).where(Team.name == "城关二队"))
    assert b.client.post("/volunteers/new", data=PERSON).status_code == 403  # no CSRF token
    saved = b.post("/volunteers/new", {**PERSON, "team": code, "team_leader": "yes"})
    assert saved.status_code == 303 and saved.headers["location"].startswith("/volunteers")
    zhao = _volunteer(app, "赵敏")
    assert (zhao.phone, zhao.station, zhao.category, zhao.source) == (
        8613900001111,
        "S1",
        "staff",
        "manual",
    )
    with app.state.desk.factory() as s:
        team = s.get(Team, zhao.team_id)
        assert team is not None and team.leader_id == zhao.id
    assert _audits(app, "volunteer.create")[0].detail["fields"][:3] == [
        "active",
        "category",
        "community",
    ]
    form = b.client.get(f"/volunteers/{zhao.id}")
    assert form.status_code == 200 and 'value="赵敏"' in form.text
    assert "13900001111" not in form.text and "139****1111" in form.text
    edited = b.post(f"/volunteers/{zhao.id}", {**PERSON, "phone": "", "team": code, "active": "no"})
    assert edited.status_code == 303, edited.text
    zhao = _volunteer(app, "赵敏")
    assert (zhao.active, zhao.left_on, zhao.phone) == (False, NOW.date(), 8613900001111)
    update = _audits(app, "volunteer.update")[0].detail["fields"]
    assert update == ["active", "left_on", "leader"]  # no longer the leader (box unticked)
    listing = b.client.get("/volunteers?active=no")
    assert "赵敏" in listing.text and "13900001111" not in listing.text


def test_volunteer_refused_entry_keeps_values_422(app: FastAPI, tmp_path: Path) -> None:
    _roster(app, tmp_path)
    b = Browser(app)
    b.login("officer")
    cases = {
        "12345": ({"phone": "12345"}, "phone:"),
        "left": ({"left": "2026-01-01"}, "left before joining"),
        "leader": ({"team_leader": "yes"}, "a team leader needs a team"),
        "twice": ({"phone": "13812345602"}, "on the roster already"),  # 李娜's
        "category": ({"category": "astronaut"}, "unknown category"),
        "other station": ({"community": "C2"}, "another station"),
        "name": ({"name": " "}, "name: missing value"),
    }
    for label, (change, reason) in cases.items():
        refused = b.post("/volunteers/new", {**PERSON, **change})
        assert refused.status_code == 422, label
        assert reason in refused.text, (label, refused.text)
        assert 'value="城关小学"' in refused.text and 'value="2026-02-01"' in refused.text
    kept = b.post("/volunteers/new", {**PERSON, "phone": "not a phone"})
    assert 'value="not a phone"' in kept.text and 'value="赵敏"' in kept.text
    with app.state.desk.factory() as s:
        assert s.scalar(select(Volunteer).where(Volunteer.name == "赵敏")) is None


def test_teams_create_edit_and_scope(app: FastAPI, tmp_path: Path) -> None:
    _roster(app, tmp_path)
    b = Browser(app)
    b.login("officer")  # S1
    team_id = _team(app, b, "城关三队")
    assert _audits(app, "team.create")[0].object_id == str(team_id)
    duplicate = b.post("/teams/new", {"name": "城关三队", "community": "C1"})
    assert duplicate.status_code == 422 and "exists already" in duplicate.text
    assert 'value="城关三队"' in duplicate.text
    refused = b.post("/teams/new", {"name": "越界队", "community": "C2"})
    assert refused.status_code == 422 and 'value="越界队"' in refused.text
    zhang = _volunteer(app, "张伟")  # a member of 城关蓝马甲一队, not of 城关三队
    not_member = b.post(f"/teams/{team_id}", {"name": "城关三队", "leader_id": str(zhang.id)})
    assert not_member.status_code == 422 and "member of the team" in not_member.text
    with app.state.desk.factory() as s:
        first = s.scalar(select(Team).where(Team.code == "城关蓝马甲一队"))
        assert first is not None and first.leader_id == zhang.id
    li = _volunteer(app, "李娜")
    form = b.client.get(f"/teams/{first.id}")
    assert form.status_code == 200 and f'value="{li.id}"' in form.text
    assert "13812345602" not in form.text
    edited = b.post(
        f"/teams/{first.id}",
        {"name": "城关一队", "code": first.code, "community": "C1", "leader_id": str(li.id)},
    )
    assert edited.status_code == 303, edited.text
    with app.state.desk.factory() as s:
        team = s.get(Team, first.id)
        assert team is not None and (team.name, team.leader_id, team.station) == (
            "城关一队",
            li.id,
            "S1",
        )
    assert _audits(app, "team.update")[0].detail["fields"] == ["leader_id", "name"]
    other = Browser(app)
    other.login("officer2")  # S2
    assert other.client.get(f"/teams/{team_id}").status_code == 404
    assert other.post(f"/teams/{team_id}", {"name": "抢走"}).status_code == 404
    assert "城关三队" not in other.client.get("/teams").text


def test_points_create_edit_and_scope(app: FastAPI) -> None:
    b = Browser(app)
    b.login("operator")
    point = {"name": "城关派出所门口", "community": "C1", "address": "城关路 1 号", "active": "yes"}
    assert b.post("/publicity/points/new", point).status_code == 303
    with app.state.desk.factory() as s:
        saved = s.scalar(select(PublicityPoint))
        assert saved is not None and (saved.station, saved.active) == ("S1", True)
        point_id = saved.id
    assert _audits(app, "publicity_point.create")[0].object_id == str(point_id)
    again = b.post("/publicity/points/new", {**point, "address": "别处"})
    assert again.status_code == 422 and 'value="别处"' in again.text
    form = b.client.get(f"/publicity/points/{point_id}")
    assert 'value="城关路 1 号"' in form.text
    off = b.post(f"/publicity/points/{point_id}", {**point, "active": ""})  # unticked: not in use
    assert off.status_code == 303
    listing = b.client.get("/publicity/points")
    assert "城关派出所门口" in listing.text and "已停用" in listing.text
    assert _audits(app, "publicity_point.update")[0].detail["fields"] == ["active"]
    officer = Browser(app)
    officer.login("officer")
    assert "城关派出所门口" in officer.client.get("/publicity/points").text
    other = Browser(app)
    other.login("officer2")
    assert "城关派出所门口" not in other.client.get("/publicity/points").text
    assert other.client.get(f"/publicity/points/{point_id}").status_code == 404
    assert other.post(f"/publicity/points/{point_id}", point).status_code == 404


def test_roster_pages_in_english(app: FastAPI, tmp_path: Path) -> None:
    _roster(app, tmp_path)
    b = Browser(app)
    b.login("operator")
    b.client.get("/lang/en?next=/volunteers")
    page = b.client.get("/volunteers")
    assert "Volunteer roster" in page.text and "On the roster" in page.text
    assert "Fixed publicity points" in b.client.get("/publicity/points").text


def test_every_word_of_the_roster_templates_is_translated() -> None:
    from fanzha.web.i18n import translator

    keys: set[str] = set()
    for name in (
        "_publicity_nav.html",
        "volunteers.html",
        "volunteer_form.html",
        "teams.html",
        "team_form.html",
        "points.html",
        "point_form.html",
    ):
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        keys |= set(re.findall(r"\bt\('([a-z_.]+)'\)", text))
    zh, en = translator("zh"), translator("en")
    missing = sorted(k for k in keys if zh(k) == k or not en(k))
    assert not missing
    assert len(keys) > 30
