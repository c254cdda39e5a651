"""Benchmark ``fanzha cases import``: rows/s of a first import and of a re-import.

Run: ``.venv/bin/python bench/bench_cases.py [--cases N] [--seed S] [--database-url URL]
[--work DIR] [--json FILE]``.

A CSV of ``--cases`` cases (one to three payee accounts each, about one case in twenty with
an unreadable time, which is quarantined) is imported into a fresh SQLite store, then the
same file again (nothing changes: no audit record, no new version). With ``--database-url``
or ``FANZHA_TEST_POSTGRES_URL`` the same is done on PostgreSQL, in a fresh schema that is
dropped afterwards. The importer's pause between chunks for other SQLite writers
(``SQLITE_PAUSE_S``) is set to 0: nobody else writes here, and the pause is not work.

Wall time is measured around :func:`import_cases` only (file reading, parsing, saving and
the quarantine file); the load average is printed because the machine may be shared. The
audit chain is verified after both imports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from fanzha.store.database import make_engine, session_factory, upgrade  # noqa: E402
from fanzha.workflow.audit import service as audit  # noqa: E402
from fanzha.workflow.audit.models import AuditRecord  # noqa: E402
from fanzha.workflow.case import importer  # noqa: E402
from fanzha.workflow.case.importer import ImportReport, import_cases  # noqa: E402
from fanzha.workflow.case.models import Case, CaseAccount  # noqa: E402
from fanzha.workflow.case.residents import ResidentIndex  # noqa: E402
from fanzha.workflow.case.schemas import CaseClocks  # noqa: E402

NOW = dt.datetime(2026, 11, 30, 12, 0)
HEADER = (
    "case_no,reported_at,occurred_at,phone,fraud_type,loss,solved,arrests,"
    "bank,account,paid,paid_at,stop_at,stopped"
)


def case_rows(n_cases: int, seed: int) -> list[str]:
    """CSV lines (no header) of ``n_cases`` cases of one to three accounts; about one case in
    twenty has a bad row (an unreadable time). The same rows as ``tests.fault.killing``."""
    rng = random.Random(seed)
    lines = []
    for n in range(n_cases):
        day = 1 + n % 28
        reported = f"2026-10-{day:02d} {8 + n % 12:02d}:{n % 60:02d}"
        accounts = rng.randint(1, 3)
        paid = [rng.randint(1, 500) * 100 for _ in range(accounts)]
        for a in range(accounts):
            when = reported if a or n % 20 else "not a time"
            stop = f"2026-10-{day:02d} 21:{a:02d}"
            lines.append(
                f"K{seed:03d}{n:06d},{when},,1390{n:07d},刷单返利,{sum(paid) + 50},"
                f"否,0,示例银行,6222{n:08d}{a:04d},{paid[a]},{reported},{stop},{paid[a] // 2}"
            )
    return lines


def _with_schema(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` (PostgreSQL ``search_path``)."""
    parsed = make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


def _timed_import(path: Path, factory: Any, quarantine: Path) -> tuple[ImportReport, float]:
    start = time.perf_counter()
    report = import_cases(
        path,
        factory=factory,
        residents=ResidentIndex(None, threads=1),
        clocks=CaseClocks(30, 48),
        now=NOW,
        quarantine_dir=quarantine,
        pseudonym_key="bench-cases",
    )
    return report, time.perf_counter() - start


def run(name: str, url: str, csv: Path, work: Path) -> dict[str, Any]:
    """Import ``csv`` twice into the (fresh) store at ``url``."""
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    figures: dict[str, Any] = {"store": name, "load_before": os.getloadavg()}
    try:
        for phase in ("first", "again"):
            report, seconds = _timed_import(csv, factory, work / f"quarantine-{name}")
            figures[phase] = {
                "seconds": seconds,
                "rows": report.rows_read,
                "rows_per_s": report.rows_read / seconds,
                "accepted": report.accepted,
                "quarantined": report.quarantined,
                "new": report.cases_new,
                "updated": report.cases_updated,
                "unchanged": report.cases_unchanged,
            }
        with factory() as session:
            figures["stored"] = {
                "cases": session.scalar(select(func.count()).select_from(Case)),
                "accounts": session.scalar(select(func.count()).select_from(CaseAccount)),
                "audit": session.scalar(select(func.count()).select_from(AuditRecord)),
            }
            figures["chain_ok"] = audit.verify(session=session).ok
    finally:
        engine.dispose()
    figures["load_after"] = os.getloadavg()
    return figures


def _postgres(base: str, csv: Path, work: Path) -> dict[str, Any]:
    schema = f"bench_cases_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as con:
        con.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        return run("postgresql", _with_schema(base, schema), csv, work)
    finally:
        with admin.begin() as con:
            con.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _print(figures: dict[str, Any]) -> None:
    load = "/".join(f"{x:.2f}" for x in figures["load_before"])
    load_after = "/".join(f"{x:.2f}" for x in figures["load_after"])
    print(f"{figures['store']}: load average {load} before, {load_after} after")
    for phase, label in (("first", "first import"), ("again", "re-import (unchanged)")):
        f = figures[phase]
        print(
            f"  {label:24} {f['rows']:6d} rows {f['seconds']:7.2f} s  "
            f"{f['rows_per_s']:8.0f} rows/s  (accepted {f['accepted']}, quarantined "
            f"{f['quarantined']}; cases new {f['new']}, updated {f['updated']}, "
            f"unchanged {f['unchanged']})"
        )
    s = figures["stored"]
    print(
        f"  stored: {s['cases']} cases, {s['accounts']} accounts, {s['audit']} audit records; "
        f"audit chain {'verifies' if figures['chain_ok'] else 'BROKEN'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases in the file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FANZHA_TEST_POSTGRES_URL"),
        help="PostgreSQL server to measure too (default: $FANZHA_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--work", default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--json", default=None, help="write the figures to this file")
    args = parser.parse_args(argv)
    importer.SQLITE_PAUSE_S = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-cases-") as tmp:
        work = Path(args.work).resolve() if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        csv = work / "cases.csv"
        lines = case_rows(args.cases, args.seed)
        csv.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        print(f"cases import benchmark: {args.cases} cases, {len(lines)} rows, {csv}")
        db = work / f"workflow-{uuid.uuid4().hex[:8]}.db"
        results = [run("sqlite", f"sqlite:///{db}", csv, work)]
        _print(results[-1])
        if args.database_url:
            results.append(_postgres(args.database_url, csv, work))
            _print(results[-1])
    ok = all(r["chain_ok"] and r["again"]["new"] == r["again"]["updated"] == 0 for r in results)
    if args.json:
        out = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "cores": os.cpu_count(),
            "cases": args.cases,
            "results": results,
        }
        Path(args.json).write_text(json.dumps(out, indent=2, default=str) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
