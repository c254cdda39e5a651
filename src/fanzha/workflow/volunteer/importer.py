"""``fanzha volunteers import``: the volunteer roster from CSV (UTF-8/GBK/GB18030) or XLSX.

One row per person, keyed by the mobile phone: a re-import of the same (or a corrected) file
updates the same volunteers and never adds them twice. Rows that cannot be used are
quarantined with file, row, column and reason (``quarantine/volunteers/``); every row read is
either accepted or quarantined. Each volunteer is saved in its own savepoint.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from fanzha.errors import NothingValidError, WorkflowError
from fanzha.ingest.quarantine import write_quarantine
from fanzha.ingest.tabular import Reader, open_table, raw_json
from fanzha.workflow.case.rows import RowError
from fanzha.workflow.roles import Permission, Principal
from fanzha.workflow.volunteer import flows
from fanzha.workflow.volunteer.rows import VOLUNTEERS, ParsedVolunteer, parse_volunteer

__all__ = ["IMPORTER", "RosterReport", "import_volunteers"]

IMPORTER = Principal(
    kind="system", id=0, name="volunteer-import", permissions=frozenset(Permission)
)
CHUNK = 200
Bad = list[tuple[int, str, str, str]]


@dataclass
class RosterReport:
    """What one import did. Invariant: ``rows_read == accepted + quarantined``."""

    file: Path
    rows_read: int = 0
    accepted: int = 0
    quarantined: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    teams: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    quarantine_file: Path | None = None
    extra_columns: tuple[str, ...] = ()


def import_volunteers(
    path: Path,
    *,
    factory: sessionmaker[Session],
    now: dt.datetime,
    quarantine_dir: Path,
    sheet: str | None = None,
    principal: Principal = IMPORTER,
) -> RosterReport:
    """Import one roster file; quarantine what cannot be used."""
    path = Path(path)
    reader = open_table(path, VOLUNTEERS, sheet)
    report = RosterReport(path, extra_columns=reader.extras)
    bad: Bad = []
    rows = _parse(reader, report, bad)
    teams: set[str] = set()
    for lo in range(0, len(rows), CHUNK):
        with factory.begin() as session:
            for parsed, raw in rows[lo : lo + CHUNK]:
                if _save(session, principal, parsed, now, report, reader.headers, raw, bad):
                    teams.update([parsed.team] if parsed.team else [])
    bad += reader.rejects
    report.rows_read += len(reader.rejects)
    report.quarantined, report.teams = len(bad), len(teams)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    report.quarantine_file, reasons = write_quarantine(
        quarantine_dir, "volunteers", path, stamp, bad
    )
    report.reasons.update(reasons)
    if report.accepted == 0:
        raise NothingValidError("no valid volunteer row in the file", file=path.name)
    return report


def _parse(reader: Reader, report: RosterReport, bad: Bad) -> list[tuple[ParsedVolunteer, str]]:
    seen: dict[int, int] = {}
    rows: list[tuple[ParsedVolunteer, str]] = []
    for number, values in reader.rows:
        report.rows_read += 1
        raw = raw_json(reader, values)
        try:
            parsed = parse_volunteer(number, values)
            if parsed.phone in seen:
                raise RowError("phone", f"same phone as row {seen[parsed.phone]}")
        except RowError as exc:
            bad.append((number, reader.headers.get(exc.column, exc.column), exc.reason, raw))
            continue
        seen[parsed.phone] = number
        rows.append((parsed, raw))
    return rows


def _save(
    session: Session,
    principal: Principal,
    parsed: ParsedVolunteer,
    now: dt.datetime,
    report: RosterReport,
    headers: dict[str, str],
    raw: str,
    bad: Bad,
) -> bool:
    try:
        with session.begin_nested():
            _, outcome = flows.save_volunteer(
                session=session,
                principal=principal,
                phone=parsed.phone,
                values=parsed.values,
                team=parsed.team,
                team_leader=parsed.team_leader,
                now=now,
            )
    except (WorkflowError, SQLAlchemyError) as exc:
        reason = exc.message if isinstance(exc, WorkflowError) else type(exc).__name__
        bad.append((parsed.row, headers.get("phone", "phone"), reason, raw))
        return False
    report.accepted += 1
    report.new += int(outcome == "created")
    report.updated += int(outcome == "updated")
    report.unchanged += int(outcome == "unchanged")
    return True
