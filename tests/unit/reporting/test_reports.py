"""Reports: the figures read back from XLSX cells, PDF text and HTML; the CLI; the labels."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from fanzha.reporting.build import build_report
from fanzha.reporting.document import Report
from fanzha.reporting.errors import ReportError
from fanzha.reporting.export import write_report
from fanzha.reporting.labels import STRINGS
from fanzha.reporting.periods import parse_period
from fanzha.store.database import make_engine, session_factory
from fanzha.workflow.audit.models import AuditRecord
from tests.unit.reporting.support import AS_OF, City, build_october


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "reports.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def october(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_url)
    factory = session_factory(engine)
    build_october(City(factory))
    yield factory
    engine.dispose()


def _report(factory: sessionmaker[Session], kind: str, period: str, lang: str = "zh") -> Report:
    with factory() as s:
        return build_report(s, parse_period(period), kind, lang=lang, as_of=AS_OF)


def _key_rows(path: Path) -> dict[str, tuple[object, ...]]:
    book = load_workbook(path)
    sheet = book[book.sheetnames[0]]
    return {str(r[0]): r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0]}


def test_xlsx_monthly_cells_hold_the_figures(
    october: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_report(_report(october, "monthly", "2026-10"), "xlsx", tmp_path / "m.xlsx")
    rows = _key_rows(path)
    assert rows["预警下发数"][0] == 8
    assert rows["预警准确率"][0] == pytest.approx(0.75)
    assert rows["预警准确率"][1] == "—"  # September: nothing to divide by
    assert rows["案损金额（元）"][0] == pytest.approx(1250.0)
    assert rows["30分钟内止付率"][0] == pytest.approx(0.5)
    book = load_workbook(path)
    key = book[book.sheetnames[0]]
    accuracy_row = next(r for r in key.iter_rows() if r[0].value == "预警准确率")
    assert accuracy_row[1].number_format == "0.0%"
    assert "两升两降" in book.sheetnames


def test_xlsx_has_native_charts(october: sessionmaker[Session], tmp_path: Path) -> None:
    path = write_report(_report(october, "trial", "2026-10"), "xlsx", tmp_path / "t.xlsx")
    names = zipfile.ZipFile(path).namelist()
    assert sum(1 for n in names if n.startswith("xl/charts/chart")) >= 3


def test_pdf_text_shows_the_figures(october: sessionmaker[Session], tmp_path: Path) -> None:
    path = write_report(_report(october, "monthly", "2026-10"), "pdf", tmp_path / "m.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "反诈预警劝阻月报" in text
    lines = text.splitlines()
    at = lines.index("预警准确率")
    assert lines[at + 1] == "75.0%"
    assert lines[lines.index("案损金额（元）") + 1] == "1,250.00"
    assert lines[lines.index("预警后被骗率") + 1] == "14.3%"
    assert "城关派出所" in text


def test_pdf_in_english(october: sessionmaker[Session], tmp_path: Path) -> None:
    report = _report(october, "daily", "2026-10-01", lang="en")
    path = write_report(report, "pdf", tmp_path / "d.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Anti-fraud warning daily brief" in text
    lines = text.splitlines()
    assert lines[lines.index("Warnings issued") + 1] == "1"
    assert lines[lines.index("Amount protected (self-reported, yuan)") + 1] == "10,000.00"


def test_html_is_self_contained(october: sessionmaker[Session], tmp_path: Path) -> None:
    path = write_report(_report(october, "weekly", "2026-W41"), "html", tmp_path / "w.html")
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert html.count("http") == html.count('xmlns="http://www.w3.org/2000/svg"')
    assert "<svg" in html
    assert "反诈预警劝阻周报" in html and "2026-W41" in html


def test_empty_store_reports_dashes_not_errors(sqlite_url: str, tmp_path: Path) -> None:
    factory = session_factory(make_engine(sqlite_url))
    report = _report(factory, "trial", "2026-10")
    for fmt in ("xlsx", "pdf", "html"):
        write_report(report, fmt, tmp_path / f"empty.{fmt}")
    rows = _key_rows(tmp_path / "empty.xlsx")
    assert rows["预警下发数"][0] == 0
    assert rows["预警准确率"][0] == "—"


def test_unknown_kind_and_format_are_refused(
    october: sessionmaker[Session], tmp_path: Path
) -> None:
    with pytest.raises(ReportError, match="unknown report kind"):
        _report(october, "hourly", "2026-10")
    with pytest.raises(ReportError, match="unknown format"):
        write_report(_report(october, "daily", "2026-10-01"), "docx", tmp_path / "x.docx")


def test_cli_report_writes_and_audits(sqlite_url: str, tmp_path: Path) -> None:
    from fanzha.cli.app import app

    factory = session_factory(make_engine(sqlite_url))
    build_october(City(factory))
    out = tmp_path / "cli.xlsx"
    args = ["report", "--period", "2026-10", "--kind", "monthly", "--format", "xlsx"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert _key_rows(out)["预警下发数"][0] == 8
    with factory() as s:
        record = s.scalars(select(AuditRecord).where(AuditRecord.action == "export")).one()
    assert record.object_id == "monthly:2026-10"
    bad = CliRunner().invoke(app, ["report", "--period", "2026-13", "--out", str(out)])
    assert bad.exit_code != 0


def test_labels_have_both_languages() -> None:
    missing = [k for k, (zh, en) in STRINGS.items() if not zh.strip() or not en.strip()]
    assert missing == []
