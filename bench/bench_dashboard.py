"""Load the leadership dashboard over real HTTP and time the monthly report.

For each backend (SQLite, and PostgreSQL with ``--pg-url``): write a year of simulated desk
history for an N-resident city (``fanzha.sim.history``, default 800k residents), time
``fanzha report --kind monthly`` for the last full month, start ``uvicorn`` with the desk app
(2 processes), log in as leaders, and for each period (this month, this year) and each
dashboard URL (the page and every ``/dashboard/data/...`` endpoint):

- *cold*: the first request (the answer is computed: the SQL of that chart);
- *warm*: ``wrk`` with N connections (users) and a mean think time, after warming both
  processes' caches — p50/p95/p99, requests/s, errors.

    python bench/bench_dashboard.py                          # SQLite, 800k residents, 12 months
    python bench/bench_dashboard.py --pg-url postgresql+psycopg://postgres@127.0.0.1:55432/postgres
    python bench/bench_dashboard.py --residents 100000 --months 3 --seconds 5   # quick
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from argon2 import PasswordHasher

from bench_desk import (  # the desk bench's helpers (same folder)
    login,
    on_each_backend,
    run_wrk,
    start_server,
)
from fanzha.sim.history import HistoryConfig, simulate_history
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.workflow.clock import local_now
from fanzha.workflow.roles import Role
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import UserCreate

PASSWORD = "bench-password-1"
LEADERS = [f"leader{i}" for i in range(5)]
# The page last: it shows every chart's table, so after the endpoints its answers are cached
# and its "cold" time is its own rendering; each endpoint's cold time is its chart's SQL.
PATHS = (
    "/dashboard/data/kpis",
    "/dashboard/data/trend",
    "/dashboard/data/breakdown/type",
    "/dashboard/data/breakdown/source",
    "/dashboard/data/breakdown/level",
    "/dashboard/data/stations",
    "/dashboard/data/heatmap",
    "/dashboard/data/rules",
    "/dashboard",
)
PERIODS = ("this_month", "this_year")


def build_store(url: str, residents: int, months: int) -> float:
    """Migrate, write the history and the leader logins; seconds taken by the history."""
    upgrade(url)
    engine = make_engine(url)
    summary = simulate_history(engine, HistoryConfig(residents=residents, months=months))
    users._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with session_factory(engine).begin() as s:
        for name in LEADERS:
            users.create(
                session=s,
                data=UserCreate(
                    username=name, display_name=name, role=Role.LEADER, password=PASSWORD
                ),
            )
    engine.dispose()
    print(
        f"  history: {summary.warnings:,} warnings, {summary.actions:,} actions, "
        f"{summary.outcomes:,} outcomes, {summary.cases:,} cases in {summary.seconds:.1f} s"
    )
    return summary.seconds


def time_report(url: str, folder: Path) -> float:
    """Seconds for ``fanzha report --kind monthly`` of the last full month (XLSX)."""
    today = local_now().date()
    last = today.replace(day=1) - dt.timedelta(days=1)
    out = folder / "monthly.xlsx"
    start = time.perf_counter()
    command = ["report", "--kind", "monthly", "--period", f"{last:%Y-%m}", "--out", str(out)]
    subprocess.run(
        [sys.executable, "-m", "fanzha", *command, "--db", url],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def cold_and_warm_up(base: str, cookie: str, path: str) -> float:
    """The first request's seconds; then bursts until both processes answer from cache."""
    with httpx.Client(base_url=base, headers={"Cookie": cookie}, timeout=600) as client:
        start = time.perf_counter()
        client.get(path).raise_for_status()
        cold = time.perf_counter() - start
        for _ in range(20):
            with concurrent.futures.ThreadPoolExecutor(6) as pool:
                times = list(pool.map(lambda _: _timed(client, path), range(6)))
            if max(times) < 0.2:
                break
    return cold


def _timed(client: httpx.Client, path: str) -> float:
    start = time.perf_counter()
    client.get(path).raise_for_status()
    return time.perf_counter() - start


def bench_backend(name: str, url: str, args: argparse.Namespace) -> None:
    print(f"[{name}] {args.residents:,} residents, {args.months} months")
    build_store(url, args.residents, args.months)
    with tempfile.TemporaryDirectory() as tmp:
        report_s = time_report(url, Path(tmp))
    print(f"[{name}] fanzha report --kind monthly (XLSX): {report_s:.1f} s  (target <= 10 s)")
    proc, base = start_server(url, args.workers)
    try:
        cookies = [login(base, user) for user in LEADERS]
        for period in PERIODS:
            for path in [p for p in PATHS if not args.paths or p in args.paths.split(",")]:
                full = f"{path}?period={period}"
                cold = cold_and_warm_up(base, cookies[0], full)
                r = run_wrk(base, full, cookies, 1, args.seconds, args.users, args.think_ms)
                mark = "ok" if r["p99_ms"] <= 300 else "MISSED"
                print(
                    f"[{name}] {full:<46} cold {cold * 1000:7.0f} ms | p50 {r['p50_ms']:6.1f}"
                    f"  p95 {r['p95_ms']:6.1f}  p99 {r['p99_ms']:6.1f} ms ({mark})"
                    f"  {r['req_s']:6.1f} req/s  errors {r['errors']}  load {r['load']:.1f}"
                )
    finally:
        stop_server(proc)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate uvicorn; if it hangs, kill it and its worker processes."""
    children = _children(proc.pid)
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        for pid in [proc.pid, *children]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=20)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *_children(int(child))]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=800_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--users", type=int, default=50, help="concurrent connections")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn processes")
    parser.add_argument("--think-ms", type=int, default=1000, help="mean pause per user")
    parser.add_argument("--pg-url", default="")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--paths", default="", help="only these URLs (comma-separated)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench_dashboard needs wrk (apt-get install wrk)")
    on_each_backend(args, "fz_dash", bench_backend)


if __name__ == "__main__":
    main()
