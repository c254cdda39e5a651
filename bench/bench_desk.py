"""Load the warning desk over real HTTP on loopback and report latency percentiles.

For each backend (SQLite, and PostgreSQL when a URL is given): build a store with N warnings
(default 100k, already routed across 10 stations), start ``uvicorn`` with the desk app in its
own processes, log in, then drive the queue page and the detail page with ``wrk`` (Debian's C
load generator; 50 connections = 50 concurrent users with no think time). Reports p50/p95/p99,
requests/s and errors, and the time from a warning's creation (a row inserted as detection
would) to its appearance in the right station's scope (routing by the desk's clock tick).

    python bench/bench_desk.py                       # SQLite, 100k warnings
    python bench/bench_desk.py --pg-url postgresql+psycopg://postgres@127.0.0.1:55432/postgres
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx
from argon2 import PasswordHasher
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from fanzha.settings import DEFAULT_SLA_MINUTES
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.workflow.clock import local_now
from fanzha.workflow.roles import Role
from fanzha.workflow.station import service as stations
from fanzha.workflow.user import service as users
from fanzha.workflow.user.models import UserCreate
from fanzha.workflow.warning.models import EarlyWarning
from fanzha.workflow.warning.sla import deadlines

PASSWORD = "bench-password-1"
STATIONS = [f"S{i:02d}" for i in range(10)]
LUA = """
local cookies = {%(cookies)s}
local n = %(n)d
request = function()
  local path = string.format("%(path)s", math.random(1, n))
  return wrk.format("GET", path, {["Cookie"] = cookies[math.random(#cookies)]})
end
%(delay)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", latency:percentile(50),
    latency:percentile(95), latency:percentile(99), summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def build_store(url: str, n: int) -> None:
    """Migrate, add stations and users, insert ``n`` routed warnings in bulk."""
    engine = make_engine(url)
    upgrade(url)
    users._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    factory = session_factory(engine)
    with factory.begin() as s:
        stations.upsert_jurisdiction(
            session=s,
            rows=[{"community": f"C{st}", "station": st, "station_name": st} for st in STATIONS],
        )
        for i in range(10):
            users.create(
                session=s,
                data=UserCreate(
                    username=f"op{i}",
                    display_name=f"op{i}",
                    role=Role.CENTRE_OPERATOR,
                    password=PASSWORD,
                ),
            )
            users.create(
                session=s,
                data=UserCreate(
                    username=f"off{i}",
                    display_name=f"off{i}",
                    role=Role.STATION_OFFICER,
                    station_code=STATIONS[i],
                    password=PASSWORD,
                    capacity=1000,
                ),
            )
    rng = random.Random(7)
    now = local_now().replace(microsecond=0)
    with engine.begin() as conn:
        for start in range(0, n, 5000):
            conn.execute(
                insert(EarlyWarning),
                [_row(i, rng, now) for i in range(start, min(n, start + 5000))],
            )
    engine.dispose()


def _row(i: int, rng: random.Random, now: dt.datetime) -> dict[str, object]:
    level = rng.choice((1, 2, 2, 3, 3, 4))
    routed = now - dt.timedelta(minutes=rng.randint(0, 3000))
    station = rng.choice(STATIONS)
    limits = deadlines(level, routed, DEFAULT_SLA_MINUTES)
    return {
        "resident_id": f"B{i:07d}",
        "phone": 8613000000000 + i,
        "community": f"C{station}",
        "station": station,
        "episode_start": routed,
        "warned_at": routed,
        "last_signal_at": routed,
        "level": level,
        "level_history": [],
        "score": 5.0,
        "fraud_type": rng.choice(("task_rebate", "fake_investment", "impersonate_police")),
        "reasons": [
            {
                "kind": "fraud_call",
                "time": routed.isoformat(),
                "weight": 3.0,
                "fraud_type": "fake_investment",
                "evidence": "call 300 s",
            }
        ],
        "n_signals": 1,
        "rules_version": "bench",
        "engine": "duckdb",
        "source": "detection",
        "status": "routed",
        "created_at": routed,
        "updated_at": routed,
        "version_id": 1,
        "is_open": True,
        "routed_at": routed,
        "sla_level": level,
        "due_stage": "sign",
        "due_at": limits["sign"],
        "escalated_stage": "sign" if limits["sign"] < now else None,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


STACKS = {"uvloop": ("uvloop", "httptools"), "asyncio": ("asyncio", "h11")}


def start_server(
    url: str,
    workers: int,
    stack: str = "uvloop",
    log: IO[bytes] | None = None,
    settings: dict[str, str] | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn serving the desk on ``url``; ``log`` (if given) takes its output at info level,
    so a worker restarted by uvicorn's health check shows up there; ``settings`` are extra
    ``FANZHA_*`` environment variables."""
    port = free_port()
    # Steady state: the dashboards' start-up warm-up (seconds of SQL over 100k warnings) would
    # otherwise overlap the first timed run; bench_dashboard (same helper) measures cold views.
    env = {
        **os.environ,
        "FANZHA_DATABASE_URL": url,
        "FANZHA_DESK_TICK_SECONDS": "0.2",
        "FANZHA_DASHBOARD_WARM_UP": "false",
        **(settings or {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "fanzha.web.serve:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "info" if log else "warning",
            "--no-access-log",
            "--loop",
            STACKS[stack][0],
            "--http",
            STACKS[stack][1],
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/login", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def login(base: str, username: str) -> str:
    with httpx.Client(base_url=base) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token
        r = c.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert r.status_code == 303, r.status_code
        return f"fz_session={c.cookies['fz_session']}"


def run_wrk(
    base: str,
    path: str,
    cookies: list[str],
    n: int,
    seconds: int,
    conns: int,
    think_ms: int = 0,
) -> dict[str, float]:
    delay = (
        f"delay = function() return math.random({think_ms // 2}, {think_ms * 3 // 2}) end"
        if think_ms
        else ""
    )
    script = LUA % {
        "cookies": ", ".join(f'"{c}"' for c in cookies),
        "n": n,
        "path": path,
        "delay": delay,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", "-s", f.name, base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(f.name).unlink()
    p50, p95, p99, reqs, dur_us, errors = map(int, out.split("RESULT")[1].split())
    return {
        "p50_ms": p50 / 1000,
        "p95_ms": p95 / 1000,
        "p99_ms": p99 / 1000,
        "req_s": reqs / (dur_us / 1e6),
        "errors": errors,
        "requests": reqs,
        "load": os.getloadavg()[0],  # 1-min load average at the end of the run
    }


def creation_to_queue(
    url: str, base: str, cookie: str, station: str, tries: int = 5
) -> list[float]:
    """Seconds from inserting a new warning to the station officer seeing it."""
    engine = create_engine(url)
    times = []
    for k in range(tries):
        now = local_now().replace(microsecond=0)
        row = _row(10_000_000 + k + int(time.time()) % 100_000, random.Random(k), now)
        row.update(
            status="new",
            station=None,
            community=f"C{station}",
            routed_at=None,
            due_at=None,
            due_stage=None,
            sla_level=None,
            level=4,
        )
        start = time.perf_counter()
        with engine.begin() as conn:
            wid = conn.execute(insert(EarlyWarning).returning(EarlyWarning.id), row).scalar_one()
        with httpx.Client(base_url=base, headers={"Cookie": cookie}) as c:
            while c.get(f"/api/v1/warnings/{wid}").status_code != 200:
                time.sleep(0.01)
        times.append(time.perf_counter() - start)
    engine.dispose()
    return times


def bench_backend(name: str, url: str, args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    build_store(url, args.warnings)
    print(f"[{name}] store with {args.warnings} warnings built in {time.perf_counter() - t0:.1f}s")
    if args.compare_stacks:
        compare_stacks(name, url, args)
        return
    proc, base = start_server(url, args.workers)
    try:
        ops = [login(base, f"op{i}") for i in range(10)]
        officers = [login(base, f"off{i}") for i in range(10)]
        results = {}
        for think in (args.think_ms, 0):
            mode = f"think {think} ms" if think else "no think time"
            results[f"queue, {mode}"] = run_wrk(
                base, "/queue?x=%d", ops + officers, 1000, args.seconds, args.users, think
            )
            results[f"detail, {mode}"] = run_wrk(
                base, "/warnings/%d", ops, args.warnings, args.seconds, args.users, think
            )
        for page, r in results.items():
            print(
                f"[{name}] {page:<28} p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  "
                f"p99 {r['p99_ms']:7.1f} ms  {r['req_s']:7.1f} req/s  errors {r['errors']}"
                f"  ({r['requests']} requests, {args.users} connections)"
                f"  load {r['load']:.1f}"
            )
        lat = creation_to_queue(url, base, officers[3], STATIONS[3])
        median = sorted(lat)[len(lat) // 2] * 1000
        print(
            f"[{name}] creation -> station queue: median {median:.0f} ms,"
            f" max {max(lat) * 1000:.0f} ms over {len(lat)} warnings"
            f"  load {os.getloadavg()[0]:.1f}"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def compare_stacks(name: str, url: str, args: argparse.Namespace) -> None:
    """Queue and detail with think time on the pure-Python stack, then on uvloop + httptools."""
    p99: dict[tuple[str, str], float] = {}
    for stack in ("asyncio", "uvloop"):
        proc, base = start_server(url, args.workers, stack)
        try:
            ops = [login(base, f"op{i}") for i in range(10)]
            officers = [login(base, f"off{i}") for i in range(10)]
            for page, path, n, who in (
                ("queue", "/queue?x=%d", 1000, ops + officers),
                ("detail", "/warnings/%d", args.warnings, ops),
            ):
                r = run_wrk(base, path, who, n, args.seconds, args.users, args.think_ms)
                p99[(stack, page)] = r["p99_ms"]
                print(
                    f"[{name}] {stack:<8} {page:<7} p50 {r['p50_ms']:7.1f} ms  p95 "
                    f"{r['p95_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  {r['req_s']:6.1f} req/s"
                    f"  errors {r['errors']}  load {r['load']:.1f}"
                )
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    for page in ("queue", "detail"):
        ratio = p99[("asyncio", page)] / max(p99[("uvloop", page)], 0.001)
        print(f"[{name}] {page}: p99 asyncio+h11 / uvloop+httptools = {ratio:.2f}x")


def on_each_backend(
    args: argparse.Namespace,
    prefix: str,
    run: Callable[[str, str, argparse.Namespace], None],
) -> None:
    """``run(name, url, args)`` on a throwaway SQLite file (unless ``--skip-sqlite``) and, with
    ``--pg-url``, on a throwaway PostgreSQL database; both removed afterwards."""
    if not args.skip_sqlite:
        tmp = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
        try:
            run("sqlite", f"sqlite:///{tmp / 'desk.db'}", args)
        finally:
            shutil.rmtree(tmp)
    if args.pg_url:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
            run("postgresql", url, args)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warnings", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50, help="concurrent connections")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn processes")
    parser.add_argument(
        "--think-ms", type=int, default=1000, help="mean pause between a user's requests"
    )
    parser.add_argument("--pg-url", default=os.environ.get("FANZHA_TEST_POSTGRES_URL", ""))
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--compare-stacks",
        action="store_true",
        help="think-time runs on asyncio+h11, then on uvloop+httptools (same store)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench_desk needs wrk (apt-get install wrk)")
    on_each_backend(args, "fz_bench", bench_backend)


if __name__ == "__main__":
    main()
