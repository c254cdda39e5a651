"""The importer's lookups are made once per chunk of cases (``SaveBatch``), not per case.

The batched import must store exactly what saving case by case stores (cases, accounts,
links to warnings and stations, versions, the audit records and their hashes, the report and
the quarantine), and the number of lookups per chunk must not grow with its rows.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core import phone
from fanzha.store.database import make_engine, session_factory
from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.models import AuditRecord
from fanzha.workflow.case import importer
from fanzha.workflow.case.importer import ImportReport, import_cases
from fanzha.workflow.case.models import Case, CaseAccount
from fanzha.workflow.case.residents import ResidentIndex
from fanzha.workflow.case.schemas import CaseClocks
from tests.databases import all_tables
from tests.unit.workflow.support import NOW, Desk

HEADER = (
    "case_no,reported_at,phone,community,fraud_type,loss,solved,arrests,"
    "bank,account,paid,paid_at,stop_at,stopped"
)


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "SQLITE_PAUSE_S", 0.0)


def _line(
    n: int, a: int, *, loss: int = 900, paid: int = 300, stop: str = "11:30", prefix: str = "B"
) -> str:
    community = "CM2" if n % 7 == 0 else ""
    return (
        f"{prefix}{n:04d},2026-03-01 10:{n % 60:02d},1390000{n:04d},{community},刷单返利,{loss},"
        f"否,{n % 3},示例银行,6222{n:06d}{a:02d},{paid},2026-03-01 10:00,2026-03-01 {stop},0"
    )


def _files(tmp: Path) -> tuple[Path, Path]:
    """A first file of 20 cases and a second of 60: the 20 again (some changed, some not,
    one now invalid after its stored case was loaded), 40 new (one with a bad row)."""
    first = [_line(n, a) for n in range(20) for a in range(2)]
    second = []
    for n in range(60):
        if n == 5:  # an update of a stored case that fails the case check (rolled back)
            second.append(_line(n, 0, stop="09:00"))
        elif n < 20 and n % 4 == 1:  # changed: a higher loss and a third account
            second += [_line(n, a, loss=1500) for a in range(3)]
        elif n == 33:  # a row that cannot be read: the rest of its case is saved
            second += [_line(n, 0).replace("2026-03-01 10:", "not a time "), _line(n, 1)]
        else:
            second += [_line(n, a) for a in range(2)]
    a, b = tmp / "first.csv", tmp / "second.csv"
    a.write_text(HEADER + "\n" + "\n".join(first) + "\n", encoding="utf-8")
    b.write_text(HEADER + "\n" + "\n".join(second) + "\n", encoding="utf-8")
    return a, b


def _import(factory: sessionmaker[Session], path: Path, tmp: Path) -> ImportReport:
    return import_cases(
        path,
        factory=factory,
        residents=ResidentIndex(None),
        clocks=CaseClocks(),
        now=NOW,
        quarantine_dir=tmp / "q",
        pseudonym_key="batch-test",
    )


def _seed(factory: sessionmaker[Session]) -> None:
    """Stations and warnings the cases link to (by phone, before the report only)."""
    desk = Desk(factory)
    desk.station("ST1", ("CM1",))
    desk.station("ST2", ("CM2",))
    before, after = dt.datetime(2026, 2, 20, 9, 0), dt.datetime(2026, 3, 5, 9, 0)
    for n in range(0, 60, 3):
        key = phone.parse(f"1390000{n:04d}")
        desk.warning(phone=key, warned_at=before, community="CM1", station="ST1")
        desk.warning(phone=key, warned_at=before - dt.timedelta(days=3), community="CM2")
        desk.warning(phone=key, warned_at=after, community="CM2", station="ST2")  # too late


def _report(report: ImportReport) -> dict[str, Any]:
    kept = dict(vars(report))
    kept.pop("file")
    kept.pop("quarantine_file")
    return kept


def _dump(factory: sessionmaker[Session]) -> dict[str, Any]:
    """Every stored case, account and audit record, but when each was created and which
    version a case is at (see :func:`_scenario`)."""

    def rows(model: type[Any]) -> list[dict[str, object]]:
        cols = [c for c in model.__table__.columns if c.name not in ("created_at", "version_id")]
        return [dict(r) for r in s.execute(select(*cols).order_by(cols[0])).mappings()]

    with factory() as s:
        assert audit.verify(session=s).ok
        return {m.__tablename__: rows(m) for m in (Case, CaseAccount, AuditRecord)}


def _versions(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as s:
        rows = s.execute(select(Case.case_no, Case.version_id)).all()
    return {row.case_no: row.version_id for row in rows}


def _scenario(factory: sessionmaker[Session], tmp: Path) -> tuple[Any, ...]:
    """Both imports; the version of a case moves when (and only when) it was changed. Its
    value is not compared: it counts the case's UPDATEs, and saving case by case flushed a
    new case several times (each lookup query autoflushed), so it ended at a higher number
    than one batched save does."""
    _seed(factory)
    tmp.mkdir()
    first, second = _files(tmp)
    reports = [_import(factory, first, tmp)]
    versions = _versions(factory)
    reports.append(_import(factory, second, tmp))
    after = _versions(factory)
    changed = {f"B{n:04d}" for n in (1, 9, 13, 17)}
    for case_no, version in versions.items():
        assert (after[case_no] > version) == (case_no in changed), case_no
    quarantined = [
        (r.quarantine_file.read_text(encoding="utf-8") if r.quarantine_file else "")
        for r in reports
    ]
    return [_report(r) for r in reports], quarantined, _dump(factory)


def _reset(url: str, template: Path, engine: Engine) -> None:
    """Empty the store, ids starting again at 1."""
    engine.dispose()
    if url.startswith("sqlite"):
        path = Path(str(make_url(url).database))
        for extra in ("-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        shutil.copy(template, path)
        return
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(all_tables())} RESTART IDENTITY CASCADE"))
    admin.dispose()


def test_batched_import_stores_what_saving_case_by_case_stores(
    db_url: str, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of 8 cases mixing stored and new cases, unchanged and changed ones, a case
    that fails its check after its stored row was loaded, warnings before and after the
    report, communities with and without a station; compared field by field (audit hashes
    included) with the same imports saved case by case."""
    monkeypatch.setattr(importer, "CHUNK", 8)
    results = []
    for batched in (True, False):
        monkeypatch.setattr(importer, "BATCH_LOOKUPS", batched)
        engine = make_engine(db_url)
        results.append(_scenario(session_factory(engine), tmp_path / f"run-{batched}"))
        _reset(db_url, sqlite_template, engine)
    batched_run, reference = results
    assert batched_run == reference
    reports, _, stored = batched_run
    assert reports[1]["cases_new"] == 40 and reports[1]["cases_updated"] == 4
    assert reports[1]["cases_unchanged"] == 15 and reports[1]["quarantined"] == 2
    linked = Counter(row["warning_id"] is not None for row in stored["cases"])
    assert linked[True] == 20 and linked[False] == 40
    by_no = {row["case_no"]: row for row in stored["cases"]}
    assert (by_no["B0000"]["community"], by_no["B0000"]["station"]) == ("CM2", "ST2")
    assert (by_no["B0003"]["community"], by_no["B0003"]["station"]) == ("CM1", "ST1")
    assert (by_no["B0001"]["community"], by_no["B0001"]["station"]) == (None, None)
    actions = Counter(row["action"] for row in stored["audit_log"])
    assert actions["case.create"] == 60 and actions["case.update"] == 4


class _Statements:
    """The statements an engine runs, by their first word."""

    def __init__(self, engine: Engine) -> None:
        self.seen: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        statement = str(args[2]).lstrip()
        self.seen[statement.split(None, 1)[0].upper()] += 1


def _counted(db_url: str, tmp: Path, cases: int) -> tuple[Counter[str], Counter[str]]:
    """Statements of a first import of ``cases`` new cases (two rows each) and of a
    re-import of the same file."""
    engine = make_engine(db_url)
    factory = session_factory(engine)
    tmp.mkdir()
    path = tmp / "cases.csv"
    lines = [_line(n, a, prefix=tmp.name) for n in range(cases) for a in range(2)]
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    counted = []
    for _ in range(2):
        statements = _Statements(engine)
        report = _import(factory, path, tmp)
        assert report.accepted == 2 * cases
        counted.append(statements.seen)
        event.remove(engine, "before_cursor_execute", statements._count)
    engine.dispose()
    return counted[0], counted[1]


def test_lookups_per_chunk_do_not_grow_with_its_rows(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One chunk of 50 rows and one of 500: the same number of SELECTs (the stored cases,
    their accounts, the warnings, the stations and the audit chain's head, once each), on
    a first import and a re-import; only the writes grow with the cases. Saving case by
    case (the reference) needs several SELECTs per case, which this test would catch."""
    monkeypatch.setattr(importer, "CHUNK", 1000)
    engine = make_engine(db_url)
    Desk(session_factory(engine)).station("ST2", ("CM2",))
    engine.dispose()
    small = _counted(db_url, tmp_path / "small", 25)
    large = _counted(db_url, tmp_path / "large", 250)
    for few, many in zip(small, large, strict=True):
        assert many["SELECT"] == few["SELECT"] <= 6, (few, many)
    first, again = large
    assert first["INSERT"] <= 4 * 250 + 2 and again["INSERT"] == 0, large
    assert again["UPDATE"] == 1, again  # only the importer's write lock: nothing changed

    monkeypatch.setattr(importer, "BATCH_LOOKUPS", False)
    reference = _counted(db_url, tmp_path / "reference", 25)
    assert reference[0]["SELECT"] > 2 * 25  # what the batching saves
