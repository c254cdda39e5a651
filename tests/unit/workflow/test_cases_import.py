"""Importing case files: formats and encodings, quarantine, re-import, resident linking."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.idcard import check_char, pseudonymise
from fanzha.errors import IngestError, NothingValidError
from fanzha.ingest import ingest_files
from fanzha.store.event_store import EventStore
from fanzha.workflow.case.importer import ImportReport, import_cases
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.case.residents import ResidentIndex
from fanzha.workflow.case.schemas import CaseClocks
from tests.unit.workflow.support import NOW

KEY = "test-pseudonym-key"
EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "cases.csv"
HEADER = [
    "案件编号",
    "报案时间",
    "受害人手机号",
    "诈骗类型",
    "损失金额（元）",
    "收款账号",
    "转账金额",
    "止付时间",
    "冻结金额",
    "冻结时间",
]
ROWS = [
    [
        "C1",
        "2026-03-01 10:00",
        "13800000001",
        "刷单返利",
        "3000",
        "6222000011110001",
        "1000",
        "2026-03-01 10:20",
        "500",
        "2026-03-02 09:00",
    ],
    [
        "C1",
        "2026-03-01 10:00",
        "13800000001",
        "刷单返利",
        "3000",
        "6222000011110002",
        "2000",
        "",
        "",
        "",
    ],
    [
        "C2",
        "2026/3/2 8:05",
        "+86 139 0000 0002",
        "杀猪盘",
        "",
        "6222000011110003",
        "88.80",
        "",
        "",
        "",
    ],
]


def _id(n: int) -> str:
    first17 = f"99010119800101{n:03d}"
    return first17 + check_char(first17)


def _write(
    path: Path, rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER
) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def _run(factory: sessionmaker[Session], path: Path, tmp_path: Path, **kw: object) -> ImportReport:
    store = kw.pop("store", None)
    return import_cases(
        path,
        factory=factory,
        residents=ResidentIndex(store),  # type: ignore[arg-type]
        clocks=CaseClocks(),
        now=NOW,
        quarantine_dir=tmp_path / "q",
        pseudonym_key=KEY,
        **kw,  # type: ignore[arg-type]
    )


def _counts(factory: sessionmaker[Session]) -> tuple[int, int]:
    with factory() as s:
        cases = s.scalar(select(func.count()).select_from(Case)) or 0
        accounts = s.scalar(select(func.count()).select_from(CaseAccount)) or 0
        return int(cases), int(accounts)


def _quarantine(report: ImportReport) -> list[dict[str, str]]:
    assert report.quarantine_file is not None
    with report.quarantine_file.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_import_csv_in_chinese_encodings_groups_rows_by_case(
    factory: sessionmaker[Session], tmp_path: Path, encoding: str
) -> None:
    report = _run(factory, _write(tmp_path / "cases.csv", ROWS, encoding), tmp_path)
    assert (report.rows_read, report.accepted, report.quarantined) == (3, 3, 0)
    assert (report.cases_new, report.accounts) == (2, 3)
    assert _counts(factory) == (2, 3)
    with factory() as s:
        c2 = s.scalar(select(Case).where(Case.case_no == "C2"))
        assert c2 is not None
        assert c2.loss_fen == 8_880 and c2.fraud_type == "romance"
        assert c2.reported_at == dt.datetime(2026, 3, 2, 8, 5)
        assert c2.victim_phone == 8613900000002


def test_reimport_updates_and_never_duplicates(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _write(tmp_path / "cases.csv", ROWS)
    _run(factory, path, tmp_path)
    changed = [[*r[:8], "1000", "2026-03-02 09:00"] if r[5].endswith("0001") else r for r in ROWS]
    second = _run(factory, _write(tmp_path / "cases.csv", changed), tmp_path)
    assert (second.cases_new, second.cases_updated, second.cases_unchanged) == (0, 1, 1)
    assert _counts(factory) == (2, 3)
    with factory() as s:
        account = s.scalar(select(CaseAccount).where(CaseAccount.account == "6222000011110001"))
        assert account is not None and account.frozen_fen == 100_000


def test_bad_rows_quarantined_with_file_row_column_reason(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [
        *ROWS,
        [
            "C3",
            "yesterday",
            "13800000003",
            "刷单",
            "1",
            "6222000011110004",
            "1",
            "",
            "",
            "",
        ],  # row 5
        ["C4", "2026-03-03 10:00", "12345678", "刷单", "1", "", "", "", "", ""],  # row 6
        ["C5", "2026-03-03 10:00", "", "刷单", "1.005", "", "", "", "", ""],  # row 7
        [
            "C1",
            "2026-03-01 11:00",
            "13800000001",
            "刷单返利",
            "3000",
            "6222000011110009",
            "1",
            "",
            "",
            "",
        ],  # row 8
        ["C6", "2026-03-03 10:00", "", "刷单", "10", "6222000011110005", "50", "", "", ""],  # row 9
        ["C2", "2026/3/2 8:05", "", "", "", "6222000011110003", "1", "", "", ""],  # row 10
    ]
    report = _run(factory, _write(tmp_path / "cases.csv", rows), tmp_path)
    assert report.rows_read == 9 == report.accepted + report.quarantined
    assert report.quarantined == 6, _quarantine(report)
    bad = {int(r["row"]): r for r in _quarantine(report)}
    assert bad[5]["column"] == "报案时间" and "not a time" in bad[5]["reason"]
    assert bad[6]["column"] == "受害人手机号"
    assert bad[7]["column"] == "损失金额（元）" and "two decimals" in bad[7]["reason"]
    assert bad[8]["column"] == "报案时间" and "differs from row 2" in bad[8]["reason"]
    assert "more than the loss" in bad[9]["reason"] and bad[9]["column"] == "损失金额（元）"
    assert "same account as row 4" in bad[10]["reason"]
    assert all(r["file"] == "cases.csv" for r in bad.values())
    assert _counts(factory) == (2, 3)


def test_id_numbers_are_checked_pseudonymised_and_masked_in_quarantine(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    header = ["case_no", "reported_at", "id_number", "loss"]
    good, broken = _id(7), _id(8)[:-1] + ("0" if _id(8)[-1] != "0" else "1")
    report = _run(
        factory,
        _write(
            tmp_path / "ids.csv",
            [["I1", "2026-03-01 10:00", good, "5"], ["I2", "2026-03-01 10:00", broken, "5"]],
            header=header,
        ),
        tmp_path,
    )
    assert (report.accepted, report.quarantined) == (1, 1)
    row = _quarantine(report)[0]
    assert row["column"] == "id_number" and "checksum" in row["reason"]
    assert broken not in report.quarantine_file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    with factory() as s:
        case = s.scalar(select(Case).where(Case.case_no == "I1"))
        assert case is not None and case.victim_resident_id == pseudonymise(good, KEY)


def test_xlsx_named_sheet(factory: sessionmaker[Session], tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "说明"  # type: ignore[union-attr]
    book.active.append(["这一页不是数据"])  # type: ignore[union-attr]
    sheet = book.create_sheet("案件")
    sheet.append(HEADER)
    for r in ROWS:
        sheet.append(r)
    sheet.append(
        [
            "C9",
            dt.datetime(2026, 3, 4, 9, 30),
            "13800000009",
            "刷单",
            12.5,
            None,
            None,
            None,
            None,
            None,
        ]
    )
    path = tmp_path / "cases.xlsx"
    book.save(path)
    report = _run(factory, path, tmp_path, sheet="案件")
    assert (report.accepted, report.quarantined, report.cases_new) == (4, 0, 3)
    with factory() as s:
        c9 = s.scalar(select(Case).where(Case.case_no == "C9"))
        assert c9 is not None and c9.reported_at == dt.datetime(2026, 3, 4, 9, 30)
        assert c9.loss_fen == 1_250
    with pytest.raises(IngestError, match="no sheet"):
        _run(factory, path, tmp_path, sheet="Sheet9")


def test_missing_required_column_refuses_file(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = _write(tmp_path / "x.csv", [["1", "2"]], header=["案件编号", "损失金额"])
    with pytest.raises(IngestError, match="reported_at"):
        _run(factory, path, tmp_path)
    only_bad = _write(tmp_path / "y.csv", [["C1", "soon"]], header=["案件编号", "报案时间"])
    with pytest.raises(NothingValidError):
        _run(factory, only_bad, tmp_path)


def test_victim_linked_to_resident_registry_by_phone(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    store = EventStore(tmp_path / "data")
    residents = _write(
        tmp_path / "residents.csv",
        [["13800000001", _id(1), "1956", "F", "retiree", "CM1"]],
        header=["phone", "id_number", "birth_year", "gender", "occupation", "community"],
    )
    juris = _write(tmp_path / "j.csv", [["CM1", "ST9"]], header=["community", "station"])
    ingest_files("jurisdictions", [juris], store, pseudonym_key=KEY)
    ingest_files("residents", [residents], store, pseudonym_key=KEY)
    report = _run(factory, _write(tmp_path / "cases.csv", ROWS), tmp_path, store=store)
    assert report.residents_linked == 1
    with factory() as s:
        c1 = s.scalar(select(Case).where(Case.case_no == "C1"))
        assert c1 is not None
        assert c1.victim_resident_id == pseudonymise(_id(1), KEY)
        assert (c1.community, c1.station, c1.victim_age) == ("CM1", "ST9", 70)


def test_example_file_imports_without_quarantine(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    report = _run(factory, EXAMPLE, tmp_path)
    assert report.quarantined == 0 and report.extra_columns == ()
    assert report.accepted == report.rows_read == 4 and report.cases_new == 3


def test_cli_import_prints_counts_and_is_idempotent(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from fanzha.cli.app import app

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    args = [
        "cases",
        "import",
        str(EXAMPLE),
        "--data-dir",
        str(tmp_path / "d"),
        "--database-url",
        db,
    ]
    runner = CliRunner()
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    text = " ".join(first.output.split())  # the console wraps long lines
    assert "read 4" in text and "cases new 3" in text
    second = runner.invoke(app, args)
    assert second.exit_code == 0 and "updated 0, unchanged 3" in " ".join(second.output.split())
