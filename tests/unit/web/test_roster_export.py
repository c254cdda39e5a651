"""The roster download (``/volunteers/export.csv`` / ``.xlsx``): who may, station scope, the
page's filters, phones masked, formula texts neutralised, every download audited."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.volunteer.importer import import_volunteers
from fanzha.workflow.volunteer.models import Volunteer
from tests.unit.web.support import NOW, Browser

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "volunteers.csv"
INJECTED = "=cmd|' /C calc'!A0"


@pytest.fixture
def roster(app: FastAPI, tmp_path: Path) -> None:
    """The example roster plus one S1 volunteer whose name and organisation are formulas."""
    factory = app.state.desk.factory
    import_volunteers(EXAMPLE, factory=factory, now=NOW, quarantine_dir=tmp_path)
    with factory.begin() as s:
        s.add(
            Volunteer(
                phone=8613812345699,
                name=INJECTED,
                organisation="@SUM(1+1)",
                category="volunteer",
                station="S1",
                community="C1",
            )
        )


def _csv(b: Browser, query: str = "") -> list[list[str]]:
    answer = b.client.get("/volunteers/export.csv" + query)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert not re.search(r"13812345[6-9]\d", answer.text)  # no full phone anywhere
    return list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))


def _exports(app: FastAPI) -> list[AuditRecord]:
    with app.state.desk.factory() as s:
        query = select(AuditRecord).where(
            AuditRecord.action == "export", AuditRecord.object_type == "roster"
        )
        return list(s.scalars(query.order_by(AuditRecord.id)))


def test_roster_csv_masks_phones_neutralises_formulas_and_is_audited(
    app: FastAPI, roster: None
) -> None:
    b = Browser(app)
    b.login("operator")
    rows = _csv(b)
    assert rows[0][:3] == ["姓名", "手机号", "工作单位"]
    by_name = {r[0]: r for r in rows[1:]}
    assert len(by_name) == 6
    assert by_name["张伟"][1] == "138****5601" and by_name["张伟"][5] == "是"
    assert by_name["陈静"][9] == "离队"
    injected = by_name["'" + INJECTED]  # a leading ' makes it a text in Excel/WPS
    assert injected[2] == "'@SUM(1+1)" and injected[1] == "138****5699"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    [record] = _exports(app)
    assert record.actor.endswith(":operator") and record.object_id == "csv"
    assert record.detail == {"filters": {}, "rows": 6}


def test_roster_csv_follows_the_page_filters_and_the_language(app: FastAPI, roster: None) -> None:
    b = Browser(app)
    b.login("supervisor")
    left = _csv(b, "?active=no")
    assert [r[0] for r in left[1:]] == ["陈静"]
    c1 = _csv(b, "?community=C1&active=yes")
    assert {r[0] for r in c1[1:]} == {"张伟", "李娜", "'" + INJECTED}
    assert _exports(app)[-1].detail == {
        "filters": {"community": "C1", "active": "yes"},
        "rows": 3,
    }
    b.client.get("/lang/en")
    english = _csv(b, "?active=no")
    assert english[0][:2] == ["Name", "Phone"] and english[1][9] == "left"


def test_roster_export_keeps_to_the_station_and_needs_the_roster_permission(
    app: FastAPI, roster: None
) -> None:
    b = Browser(app)
    b.login("officer2")
    assert {r[7] for r in _csv(b)[1:]} == {"S2"}
    assert _exports(app)[-1].detail["rows"] == 3
    for role in ("leader", "admin"):  # the leader may view the roster, not keep it
        b.login(role)
        assert b.client.get("/volunteers/export.csv").status_code == 403
        assert b.client.get("/volunteers/export.xlsx").status_code == 403
    assert len(_exports(app)) == 1  # refused downloads leave nothing to audit
    anonymous = Browser(app)
    assert anonymous.client.get("/volunteers/export.csv").status_code == 303  # to the login


def test_roster_xlsx_masks_phones_and_holds_no_formula(app: FastAPI, roster: None) -> None:
    b = Browser(app)
    b.login("officer")
    answer = b.client.get("/volunteers/export.xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert {"张伟", "李娜", INJECTED, "@SUM(1+1)", "138****5601"} <= values
    assert not [v for v in values if isinstance(v, str) and re.fullmatch(r"1381234\d{4}", v)]
    assert "王芳" not in values  # another station's
    [record] = _exports(app)
    assert record.object_id == "xlsx" and record.detail["rows"] == 3


def test_roster_page_links_the_downloads_for_roster_keepers_only(
    app: FastAPI, roster: None
) -> None:
    b = Browser(app)
    b.login("officer")
    page = b.client.get("/volunteers?active=yes")
    assert 'href="/volunteers/export.csv?active=yes"' in page.text
    assert "导出名册" in page.text
    b.login("leader")
    assert "/volunteers/export.csv" not in b.client.get("/volunteers").text
