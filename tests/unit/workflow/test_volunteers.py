"""The volunteer roster: import (CSV/GBK/XLSX, Chinese and English headers), quarantine,
re-import without duplicates, masked listing, and retention of a volunteer who left."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import NothingValidError
from fanzha.workflow.retention import flows as retention
from fanzha.workflow.roles import ROLE_PERMISSIONS, Role, user_principal
from fanzha.workflow.station import service as stations
from fanzha.workflow.volunteer import service as roster
from fanzha.workflow.volunteer.importer import RosterReport, import_volunteers
from fanzha.workflow.volunteer.models import Team, Volunteer
from fanzha.workflow.volunteer.retention import PURGED_NAME
from tests.unit.workflow.support import NOW

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "volunteers.csv"
ENGLISH = ["name", "phone", "organisation", "category", "community", "team", "joined", "left"]


def _jurisdictions(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        stations.upsert_jurisdiction(
            session=s,
            rows=[{"community": "C1", "station": "S1"}, {"community": "C2", "station": "S2"}],
        )


def _import(factory: sessionmaker[Session], path: Path, tmp_path: Path) -> RosterReport:
    return import_volunteers(path, factory=factory, now=NOW, quarantine_dir=tmp_path / "q")


def test_volunteers_import_example_with_chinese_headers(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _jurisdictions(factory)
    report = _import(factory, EXAMPLE, tmp_path)
    assert (report.rows_read, report.accepted, report.quarantined) == (5, 5, 0)
    assert (report.new, report.teams) == (5, 2)
    with factory() as s:
        team = s.scalar(select(Team).where(Team.code == "城关蓝马甲一队"))
        assert team is not None and team.station == "S1"
        leader = s.get(Volunteer, team.leader_id)
        assert leader is not None and leader.name == "张伟"
        chen = s.scalar(select(Volunteer).where(Volunteer.name == "陈静"))
        assert chen is not None and (chen.active, chen.category) == (False, "volunteer")
        centre = user_principal(1, "op", Role.CENTRE_OPERATOR, None)
        rows = roster.list_volunteers(session=s, principal=centre)
        assert {r.phone_masked for r in rows} >= {"138****5601", "138****5605"}
        assert all("12345" not in r.phone_masked for r in rows)
        officer = user_principal(2, "o", Role.STATION_OFFICER, "S2")
        assert {r.name for r in roster.list_volunteers(session=s, principal=officer)} == {
            "王芳",
            "刘洋",
            "陈静",
        }
        assert roster.category_counts(session=s, principal=centre)["student"] == 1


def test_volunteers_gbk_english_headers_quarantine_bad_rows(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    rows = [
        ENGLISH,
        ["Zhao", "139 0000 0001", "Bank", "company employee", "C1", "T1", "2026/1/2", ""],
        ["Qian", "not-a-phone", "", "student", "C1", "T1", "", ""],
        ["Sun", "13900000003", "", "astronaut", "C1", "", "", ""],
        ["", "13900000004", "", "student", "C1", "", "", ""],
        ["Li", "+86 139-0000-0001", "", "student", "C1", "", "", ""],
        ["Zhou", "13900000006", "", "学生", "C2", "", "2026-03-01", "2026-02-01"],
        ["吴", "13900000007", "", "社区工作者", "C2", "", "2026-01-01", "2026-02-01"],
    ]
    with path.open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows(rows)
    report = _import(factory, path, tmp_path)
    assert (report.rows_read, report.accepted, report.quarantined) == (7, 2, 5)
    assert report.quarantine_file is not None
    with report.quarantine_file.open(encoding="utf-8") as f:
        bad = {int(r["row"]): (r["file"], r["column"], r["reason"]) for r in csv.DictReader(f)}
    assert set(bad) == {3, 4, 5, 6, 7}
    assert bad[3][:2] == ("roster.csv", "phone")
    assert bad[4][1] == "category" and "astronaut" in bad[4][2]
    assert bad[5][1:] == ("name", "missing value")
    assert bad[6][1:] == ("phone", "same phone as row 2")
    assert bad[7][1:] == ("left", "left before joining")
    with factory() as s:
        wu = s.scalar(select(Volunteer).where(Volunteer.name == "吴"))
        assert wu is not None and (wu.active, wu.left_on) == (False, dt.date(2026, 2, 1))


def test_volunteers_reimport_updates_never_duplicates(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    first = _import(factory, EXAMPLE, tmp_path)
    again = _import(factory, EXAMPLE, tmp_path)
    assert (first.new, again.new, again.updated, again.unchanged) == (5, 0, 0, 5)
    changed = tmp_path / "changed.csv"
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "李娜,13812345602,华兴电子厂", "李娜,13812345602,新单位"
    )
    changed.write_text(text, encoding="utf-8")
    third = _import(factory, changed, tmp_path)
    assert (third.new, third.updated, third.unchanged) == (0, 1, 4)
    with factory() as s:
        assert s.scalar(select(func.count(Volunteer.id))) == 5
        assert s.scalar(select(func.count(Team.id))) == 2
        li = s.scalar(select(Volunteer).where(Volunteer.phone == 8613812345602))
        assert li is not None and li.organisation == "新单位"


def test_volunteers_xlsx_import(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "联系电话", "类别", "社区", "小队", "队长", "入队时间"])
    sheet.append(["甲", 13700000001, "网格员", "C1", "一队", "是", dt.datetime(2026, 2, 3)])
    sheet.append(["乙", "13700000002", "在校学生", "C1", "一队", "否", "2026-02-04"])
    book.save(path)
    report = _import(factory, path, tmp_path)
    assert (report.accepted, report.quarantined) == (2, 0)
    with factory() as s:
        jia = s.scalar(select(Volunteer).where(Volunteer.phone == 8613700000001))
        assert jia is not None and (jia.category, jia.joined_on) == (
            "community",
            dt.date(2026, 2, 3),
        )


def test_volunteers_nothing_valid_is_an_error(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("姓名,手机号\n,13800000000\n", encoding="utf-8")
    with pytest.raises(NothingValidError):
        _import(factory, path, tmp_path)


def test_volunteers_retention_purges_who_left_before_the_cutoff(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _import(factory, EXAMPLE, tmp_path)
    with factory.begin() as s:
        chen = s.scalar(select(Volunteer).where(Volunteer.name == "陈静"))
        assert chen is not None
        chen.left_on = dt.date(2024, 12, 1)
        wang = s.scalar(select(Volunteer).where(Volunteer.name == "王芳"))
        assert wang is not None
        wang.active, wang.left_on = False, dt.date(2026, 2, 20)  # left recently: kept
    policy = retention.Policy(days=365, as_of=NOW)
    dry = retention.preview(factory=factory, store=None, policy=policy)
    assert dry.counts["volunteers"] == 1
    report = retention.purge(factory=factory, store=None, policy=policy, actor="t", now=NOW)
    again = retention.purge(factory=factory, store=None, policy=policy, actor="t", now=NOW)
    assert (report.counts["volunteers"], again.counts["volunteers"]) == (1, 0)
    with factory() as s:
        purged = s.scalar(select(Volunteer).where(Volunteer.name == PURGED_NAME))
        assert purged is not None and purged.phone is None and purged.category == "volunteer"
        assert purged.community == "C2"  # aggregates stay
        assert s.scalar(select(func.count(Volunteer.id)).where(Volunteer.phone.is_not(None))) == 4


def test_volunteers_roster_needs_publicity_view() -> None:
    assert all(
        ("publicity_view" in {p.value for p in perms}) == (role is not Role.ADMIN)
        for role, perms in ROLE_PERMISSIONS.items()
    )
