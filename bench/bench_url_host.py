"""Benchmark the URL host macro of ingest: ``fz_url_host`` against the general expression.

Run: ``.venv/bin/python bench/bench_url_host.py [--rows N] [--repeats R]``.

Two columns of ``--rows`` URLs are made in DuckDB: *distinct* (every URL its own path and
query, as a real log of URL visits has) and *few* (2,000 URLs repeated, as the simulator
writes them; a Parquet file of those is dictionary-encoded, a DuckDB table here is not).
``fz_url_host_re`` (the general expression, the ingest's host before 2026-12-08) and
``fz_url_host`` (a fast path for plain http(s) URLs, the general expression otherwise) are
applied to each and the best of ``--repeats`` runs is printed, wall and CPU time, with the
ratio. Both give the same hosts (checked here on every row, and in
``tests/unit/ingest/test_url_host.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from fanzha.ingest.sql_macros import install  # noqa: E402

_URL = (
    "(['https://', 'http://', 'HTTPS://', ''])[1 + i % 4] || (['h5.', 'm.', 'www.', ''])"
    "[1 + i // 4 % 4] || 'site' || (i % 50000) || (['.cc', '.top', '.com.cn'])[1 + i % 3]"
    " || '/reg/' || {part} || '?from=sms&id=' || ({part} * 7919 % 1000003)"
)


def _best(con: duckdb.DuckDBPyConnection, sql: str, repeats: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        con.execute(sql).fetchall()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    con = duckdb.connect()
    install(con)
    con.execute(
        f"CREATE TABLE urls AS SELECT {_URL.format(part='i')} AS distinct_url, "  # noqa: S608
        f"{_URL.format(part='(i % 2000)')} AS few_url FROM range($n) t(i)",
        {"n": args.rows},
    )
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.rows:,} URLs per column, {os.cpu_count()} cores, load {load}")
    print(f"{'column':14s} {'macro':16s} {'wall s':>7s} {'CPU s':>7s}  ratio (CPU)")
    for column in ("distinct_url", "few_url"):
        same = con.execute(
            f"SELECT count(*) FROM urls WHERE fz_url_host(trim({column})) "  # noqa: S608
            f"IS DISTINCT FROM fz_url_host_re(trim({column}))"
        ).fetchone()
        if same is None or same[0] != 0:
            raise SystemExit(f"{column}: the two macros differ on {same} rows")
        base = _best(con, f"SELECT count(fz_url_host_re(trim({column}))) FROM urls", args.repeats)  # noqa: S608
        fast = _best(con, f"SELECT count(fz_url_host(trim({column}))) FROM urls", args.repeats)  # noqa: S608
        print(f"{column:14s} {'fz_url_host_re':16s} {base[0]:7.3f} {base[1]:7.3f}")
        ratio = base[1] / fast[1]
        print(f"{column:14s} {'fz_url_host':16s} {fast[0]:7.3f} {fast[1]:7.3f}  {ratio:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
