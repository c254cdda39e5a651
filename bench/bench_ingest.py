"""Benchmark ingest against the bare-DuckDB floor, in the same run (issue 9, part 3).

Run: ``.venv/bin/python bench/bench_ingest.py [--residents N] [--days D] [--work DIR]
[--skip-csv] [--fresh-sim]`` (``--residents 100000`` for a quick run on a shared machine).

The floor is what DuckDB alone does with the same part files: read them, normalise the phone
columns with the same SQL macros (:mod:`fanzha.ingest.phone_sql`), de-duplicate
(``SELECT DISTINCT``) and write one Parquet file per kind. It has no quarantine, no reasons,
no row numbers, no ID pseudonyms, no checks of times or enums and no idempotency against the
store, so it is a lower bound, not a competitor. Our ingest is timed from Parquet and from
CSV into fresh stores, then once more from Parquet into the same store (a re-import that must
add nothing). Each phase runs in its own spawned process; the load average is printed beside
every figure because the machine may be shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from bench.bench_pipeline import PSEUDONYM_KEY, _simulated, run_phase  # noqa: E402
from fanzha.core.schemas import KINDS  # noqa: E402
from fanzha.ingest import ingest_directory  # noqa: E402
from fanzha.ingest.directory import LOAD_ORDER, parts_of  # noqa: E402
from fanzha.ingest.sql_macros import install  # noqa: E402
from fanzha.store.event_store import EventStore  # noqa: E402

TARGET_PARQUET = 1.5
TARGET_CSV = 2.0


def _floor_select(kind: str, files: list[Path], fmt: str) -> str:
    """Read, normalise the phone columns, de-duplicate: the floor's query for one kind."""
    listing = ", ".join("'" + f.as_posix().replace("'", "''") + "'" for f in files)
    reader = (
        f"read_parquet([{listing}])" if fmt == "parquet" else f"read_csv([{listing}], header=true)"
    )
    columns = []
    for column in KINDS[kind].columns:
        ref = f'"{column.name}"'
        if column.type != "phone":
            columns.append(ref)
        elif fmt == "parquet":
            columns.append(f"CASE WHEN fz_phone_key_ok({ref}) THEN {ref} END AS {ref}")
        else:
            columns.append(f"fz_phone(CAST({ref} AS VARCHAR)) AS {ref}")
    return f"SELECT DISTINCT {', '.join(columns)} FROM {reader}"  # noqa: S608


def floor_city(source: str, out: str, fmt: str) -> dict[str, Any]:
    """The bare-DuckDB floor over a simulated city (same thread count as ingest: 2)."""
    import duckdb

    shutil.rmtree(out, ignore_errors=True)
    Path(out).mkdir(parents=True)
    con = duckdb.connect(config={"threads": 2, "preserve_insertion_order": False})
    con.execute("SET TimeZone = 'UTC'")
    install(con)
    start = time.perf_counter()
    rows: dict[str, int] = {}
    for kind in LOAD_ORDER:
        files = parts_of(Path(source), kind)
        if not files:
            continue
        target = (Path(out) / f"{kind}.parquet").as_posix()
        con.execute(f"COPY ({_floor_select(kind, files, fmt)}) TO '{target}' (FORMAT parquet)")
        counted = con.execute(f"SELECT count(*) FROM '{target}'").fetchone()  # noqa: S608
        rows[kind] = int(counted[0]) if counted else 0
    wall = time.perf_counter() - start
    con.close()
    shutil.rmtree(out, ignore_errors=True)
    return {"wall_s": wall, "rows": rows}


def ingest_city(source: str, data: str, fresh: bool) -> dict[str, Any]:
    """Our ingest of a simulated city (into a fresh store unless ``fresh`` is false)."""
    if fresh:
        shutil.rmtree(data, ignore_errors=True)
    start = time.perf_counter()
    report = ingest_directory(Path(source), EventStore(Path(data)), pseudonym_key=PSEUDONYM_KEY)
    wall = time.perf_counter() - start
    return {
        "wall_s": wall,
        "rows_read": report.rows_read,
        "accepted": report.accepted,
        "new": report.new,
        "quarantined": report.quarantined,
    }


def _line(name: str, phase: dict[str, Any], floor: dict[str, Any] | None, target: float) -> str:
    load = f"{phase['load_before'][0]:.1f}→{phase['load_after'][0]:.1f}"
    ratio = ""
    if floor is not None:
        value = phase["wall_s"] / floor["wall_s"]
        verdict = "met" if value <= target else "NOT met"
        cpu = phase["cpu_s"] / floor["cpu_s"]
        ratio = f"{value:5.2f}× floor wall (target ≤ {target}×: {verdict}); {cpu:.2f}× CPU"
    return (
        f"{name:<30}{phase['wall_s']:>8.1f}{phase['cpu_s']:>8.1f}"
        f"{phase['peak_rss_gib']:>9.2f}  {load:<10}  {ratio}"
    )


def report(args: argparse.Namespace, phases: dict[str, Any]) -> None:
    """Print the table of figures and ratios."""
    print()
    print(
        f"city: {args.residents:,} residents × {args.days} day(s), seed {args.seed}; "
        f"{phases['ingest_parquet']['rows_read']:,} rows; {os.cpu_count()} cores; load at start "
        f"{' / '.join(f'{x:.2f}' for x in phases['load_start'])}"
    )
    header = f"{'phase':<30}{'wall s':>8}{'CPU s':>8}{'peak GiB':>9}  {'load 1-min':<10}  ratio"
    print(header)
    print("-" * len(header))
    print(_line("floor, DuckDB from Parquet", phases["floor_parquet"], None, 0))
    print(
        _line(
            "ingest from Parquet", phases["ingest_parquet"], phases["floor_parquet"], TARGET_PARQUET
        )
    )
    print(_line("re-import from Parquet (no-op)", phases["reimport_parquet"], None, 0))
    if "ingest_csv" in phases:
        print(_line("floor, DuckDB from CSV", phases["floor_csv"], None, 0))
        print(_line("ingest from CSV", phases["ingest_csv"], phases["floor_csv"], TARGET_CSV))
    again = phases["reimport_parquet"]
    print(f"re-import: {again['rows_read']:,} read, {again['new']:,} new (must be 0)")


def distinct_urls(source: Path, work: Path) -> Path:
    """A copy of the simulated city whose URL visits each have their own query (``v=<n>``), as
    a real log of URL visits has: the simulator repeats ~2,200 URLs a day, which Parquet
    stores as a dictionary and which hides the cost of parsing hosts. Hosts are unchanged;
    every other file is a symbolic link to the original."""
    out = work / f"{source.name}-distinct-urls"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    for entry in source.iterdir():
        if entry.name != "url_visits":
            (out / entry.name).symlink_to(entry.resolve())
    (out / "url_visits").mkdir()
    con = duckdb.connect()
    for n, part in enumerate(sorted((source / "url_visits").glob("*.parquet"))):
        con.execute(
            "COPY (SELECT * REPLACE (url || CASE WHEN contains(url, '?') THEN '&' ELSE '?' END "
            "|| 'v=' || ($n * 10000000 + row_number() OVER ()) AS url) FROM read_parquet($f)) "
            "TO $t (FORMAT parquet)",
            {"n": n, "f": part.as_posix(), "t": (out / "url_visits" / part.name).as_posix()},
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=800_000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default=str(ROOT / "bench" / "out"), help="work folder")
    parser.add_argument("--skip-csv", action="store_true", help="no CSV simulation or ingest")
    parser.add_argument("--fresh-sim", action="store_true", help="simulate even if present")
    parser.add_argument(
        "--distinct-urls",
        action="store_true",
        help="give every URL visit its own query string (as real logs have) before the runs",
    )
    parser.add_argument("--json", default=str(ROOT / "bench" / "out" / "ingest.json"))
    args = parser.parse_args(argv)
    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    args.work, args.logs = str(work), work / "logs-ingest"
    shutil.rmtree(args.logs, ignore_errors=True)
    args.logs.mkdir()
    phases: dict[str, Any] = {"load_start": os.getloadavg()}
    print(f"ingest benchmark in {work} (child output in {args.logs})")
    parquet = _simulated(args, "parquet", phases)
    if args.distinct_urls:
        parquet = distinct_urls(Path(parquet), work)
    store = str(work / "store-ingest")
    floor_out = str(work / "floor")
    phases["floor_parquet"] = run_phase(
        "floor (Parquet)", args.logs, floor_city, str(parquet), floor_out, "parquet"
    )
    phases["ingest_parquet"] = run_phase(
        "ingest from Parquet", args.logs, ingest_city, str(parquet), store, True
    )
    phases["reimport_parquet"] = run_phase(
        "re-import from Parquet", args.logs, ingest_city, str(parquet), store, False
    )
    if not args.skip_csv:
        csv = _simulated(args, "csv", phases)
        phases["floor_csv"] = run_phase(
            "floor (CSV)", args.logs, floor_city, str(csv), floor_out, "csv"
        )
        phases["ingest_csv"] = run_phase(
            "ingest from CSV", args.logs, ingest_city, str(csv), store, True
        )
    shutil.rmtree(store, ignore_errors=True)
    report(args, phases)
    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "city": {"residents": args.residents, "days": args.days, "seed": args.seed},
        "phases": phases,
        "targets": {"parquet_vs_floor": TARGET_PARQUET, "csv_vs_floor": TARGET_CSV},
    }
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nfigures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
