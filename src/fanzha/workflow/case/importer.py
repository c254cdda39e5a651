"""``fanzha cases import``: a CSV (UTF-8/GBK/GB18030) or XLSX file of cases into the registry.

The format is :data:`fanzha.workflow.case.rows.CASES` (one row per payee account, grouped by
``case_no``; see ``docs/cases.md``). Each case is saved in its own savepoint through
:func:`fanzha.workflow.case.flows.save`, so it is validated and audited like an entry on the
desk, and a re-import updates the same case and accounts instead of adding new ones. The
lookups of a chunk of cases are made once for the chunk (:mod:`fanzha.workflow.case.batch`).
Rows that cannot be used are quarantined with file, row, column and reason; every row read is
either accepted or quarantined.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import NothingValidError, WorkflowError
from fanzha.ingest.quarantine import write_quarantine
from fanzha.ingest.tabular import Reader, open_table, raw_json
from fanzha.workflow.case import flows
from fanzha.workflow.case.batch import SaveBatch
from fanzha.workflow.case.linking import Victim
from fanzha.workflow.case.residents import ResidentIndex
from fanzha.workflow.case.rows import CASE_COLUMNS, CASES, ParsedRow, RowError, parse_row
from fanzha.workflow.case.schemas import AccountCreate, CaseClocks, CaseCreate
from fanzha.workflow.roles import Permission, Principal

__all__ = ["IMPORTER", "ImportReport", "import_cases"]

IMPORTER = Principal(kind="system", id=0, name="case-import", permissions=frozenset(Permission))
Progress = Callable[[int, int | None], None]
CHUNK = 50  # cases per transaction: the write lock is held ~0.5-1 s at a time
SQLITE_PAUSE_S = 0.12  # between transactions on SQLite (see _let_others_write)
# one query per chunk for each lookup (SaveBatch); False saves case by case as the desk does,
# the reference the tests compare the batched import against
BATCH_LOOKUPS = True


@dataclass
class ImportReport:
    """What one import did. Invariant: ``rows_read == accepted + quarantined``."""

    file: Path
    rows_read: int = 0
    accepted: int = 0
    quarantined: int = 0
    cases_new: int = 0
    cases_updated: int = 0
    cases_unchanged: int = 0  # re-imported as they were: no audit record, no new version
    accounts: int = 0
    residents_linked: int = 0
    warnings_linked: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    quarantine_file: Path | None = None
    extra_columns: tuple[str, ...] = ()


@dataclass
class _Case:
    """The valid rows of one case number, in file order."""

    rows: list[ParsedRow] = field(default_factory=list)
    raws: list[str] = field(default_factory=list)


def import_cases(
    path: Path,
    *,
    factory: sessionmaker[Session],
    residents: ResidentIndex,
    clocks: CaseClocks,
    now: dt.datetime,
    quarantine_dir: Path,
    timezone: str = "Asia/Shanghai",
    pseudonym_key: str,
    sheet: str | None = None,
    principal: Principal = IMPORTER,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file; quarantine what cannot be used.

    Cases are committed :data:`CHUNK` at a time, so a long import never holds the store's
    write lock for long (the desk keeps working on SQLite); a crash leaves whole cases, and
    running the import again completes it (saving is idempotent)."""
    path = Path(path)
    reader = open_table(path, CASES, sheet)
    report = ImportReport(path, extra_columns=reader.extras)
    bad: list[tuple[int, str, str, str]] = []
    cases = _group(reader, report, bad, timezone, pseudonym_key, progress)
    residents.load(
        phones=[r.case.get("phone") for c in cases.values() for r in c.rows],
        id_hashes=[r.id_hash for c in cases.values() for r in c.rows],
    )
    groups, saved = list(cases.values()), 0
    for lo in range(0, len(groups), CHUNK):
        with factory.begin() as session:
            _write_lock(session)
            chunk = groups[lo : lo + CHUNK]
            _save_chunk(session, principal, chunk, residents, clocks, now, report, bad, reader)
            saved += sum(len(group.rows) for group in chunk)
        if progress is not None:  # a second pass over the rows: saving
            progress(saved, report.rows_read)
        _let_others_write(factory)
    bad += reader.rejects
    report.rows_read += len(reader.rejects)
    report.quarantined = len(bad)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    report.quarantine_file, reasons = write_quarantine(quarantine_dir, "cases", path, stamp, bad)
    report.reasons.update(reasons)
    if report.accepted == 0:
        raise NothingValidError("no valid case row in the file", file=path.name)
    return report


def _let_others_write(factory: sessionmaker[Session]) -> None:
    """SQLite has no queue for its write lock: a writer waiting in its busy handler polls
    (every 50–100 ms after a few tries), so an import that takes the lock again at once
    would starve the desk. A pause longer than the poll interval lets it in (measured: the
    worst wait of a desk write during an import fell from 20 s to about one chunk)."""
    bind = factory.kw.get("bind")
    if bind is not None and bind.dialect.name == "sqlite":
        time.sleep(SQLITE_PAUSE_S)


def _write_lock(session: Session) -> None:
    """Take the write lock first (a write that matches no row): on SQLite a transaction that
    read first and writes later fails at once with "database is locked" if another process
    committed in between; taking the lock first makes it wait (``busy_timeout``) instead."""
    session.execute(text("UPDATE cases SET id = id WHERE id = -1"))


def _group(
    reader: Reader,
    report: ImportReport,
    bad: list[tuple[int, str, str, str]],
    zone: str,
    key: str,
    progress: Progress | None,
) -> dict[str, _Case]:
    cases: dict[str, _Case] = {}
    for number, values in reader.rows:
        report.rows_read += 1
        if progress is not None and report.rows_read % 500 == 0:
            progress(report.rows_read, reader.total)
        raw = raw_json(reader, values)
        try:
            parsed = parse_row(number, values, zone, key)
            group = cases.setdefault(parsed.case["case_no"], _Case())
            _consistent(group, parsed)
        except RowError as exc:
            bad.append((number, reader.headers.get(exc.column, exc.column), exc.reason, raw))
            continue
        group.rows.append(parsed)
        group.raws.append(raw)
    if progress is not None:
        progress(report.rows_read, reader.total)
    return cases


def _consistent(group: _Case, parsed: ParsedRow) -> None:
    """A later row of a case repeats the case's values (or leaves them empty); an account
    appears once per case."""
    if not group.rows:
        return
    first = group.rows[0]
    for name in CASE_COLUMNS:
        mine, theirs = parsed.texts.get(name), first.texts.get(name)
        if mine and theirs and mine != theirs:
            raise RowError(name, f"differs from row {first.row} of the same case ({theirs!r})")
    number = (parsed.account or {}).get("account")
    for other in group.rows:
        if number and (other.account or {}).get("account") == number:
            raise RowError("account", f"same account as row {other.row} of the same case")


def _merged(group: _Case) -> tuple[dict[str, Any], str | None]:
    case: dict[str, Any] = {}
    id_hash = None
    for row in group.rows:
        case.update({k: v for k, v in row.case.items() if k not in case})
        id_hash = id_hash or row.id_hash
    return case, id_hash


@dataclass
class _Prepared:
    """A case ready to save: its data and victim, or why its rows cannot be used."""

    group: _Case
    data: CaseCreate | None = None
    victim: Victim | None = None
    error: Exception | None = None
    accounts: int = 0


def _save_chunk(
    session: Session,
    principal: Principal,
    chunk: list[_Case],
    residents: ResidentIndex,
    clocks: CaseClocks,
    now: dt.datetime,
    report: ImportReport,
    bad: list[tuple[int, str, str, str]],
    reader: Reader,
) -> None:
    """Save the cases of one transaction, each in its own savepoint, in file order. Their
    lookups are made once for the chunk (:class:`SaveBatch`) and their audit records are
    appended at the end, in the same order (see :mod:`fanzha.workflow.case.batch`)."""
    prepared = [_prepare(group, residents) for group in chunk]
    ready = [(p.data, p.victim) for p in prepared if p.data is not None and p.victim is not None]
    batch = SaveBatch.load(session, ready) if BATCH_LOOKUPS else None
    for item in prepared:
        _save(session, principal, item, clocks, now, report, bad, reader.headers, batch)
    if batch is not None:
        batch.write_audit(session)


def _prepare(group: _Case, residents: ResidentIndex) -> _Prepared:
    values, id_hash = _merged(group)
    victim = residents.victim(phone=values.get("phone"), id_hash=id_hash, at=values["reported_at"])
    try:
        accounts = [AccountCreate.model_validate(r.account) for r in group.rows if r.account]
        data = CaseCreate.model_validate(
            {**values, "resident_id": victim.resident_id, "accounts": accounts}
        )
    except (WorkflowError, ValidationError) as exc:
        return _Prepared(group, error=exc)
    return _Prepared(group, data, victim, accounts=len(accounts))


def _save(
    session: Session,
    principal: Principal,
    item: _Prepared,
    clocks: CaseClocks,
    now: dt.datetime,
    report: ImportReport,
    bad: list[tuple[int, str, str, str]],
    headers: dict[str, str],
    batch: SaveBatch | None,
) -> None:
    group, data = item.group, item.data
    audits = len(batch.audits) if batch is not None else 0
    try:
        if item.error is not None:
            raise item.error
        assert data is not None
        with session.begin_nested():
            case, outcome = flows.save(
                session=session,
                principal=principal,
                data=data,
                clocks=clocks,
                now=now,
                source="import",
                victim=item.victim,
                batch=batch,
            )
    except (WorkflowError, ValidationError) as exc:
        if batch is not None:
            del batch.audits[audits:]  # the case's savepoint was rolled back
        column, reason = _why(exc)
        column = headers.get(column, column)
        bad += [(r.row, column, reason, raw) for r, raw in zip(group.rows, group.raws, strict=True)]
        return
    report.accepted += len(group.rows)
    report.cases_new += int(outcome == "created")
    report.cases_updated += int(outcome == "updated")
    report.cases_unchanged += int(outcome == "unchanged")
    report.accounts += item.accounts
    report.residents_linked += int(case.victim_resident_id is not None)
    report.warnings_linked += int(case.warning_id is not None)


def _why(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, WorkflowError):
        return str(exc.context.get("field", "")), exc.message + _account_note(exc)
    assert isinstance(exc, ValidationError)
    first = exc.errors()[0]
    return str(first["loc"][-1]) if first["loc"] else "", str(first["msg"])


def _account_note(exc: WorkflowError) -> str:
    tail = exc.context.get("account")
    return f" (account …{tail})" if tail else ""
