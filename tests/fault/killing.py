"""Shared pieces of the fault tests: the real CLI in a subprocess, SIGKILL at a seeded random
moment, and snapshots of the workflow store to compare a killed-then-resumed run with a clean one.

A trial: start ``python -m fanzha …`` with its own data directory and workflow store, kill it
with SIGKILL after a delay drawn (seeded) uniformly over the clean run's duration, then run the
same command again to completion. Kill points are spread by time only (no test hooks in the
code): the clean run is timed first and the delays cover it, start-up and migration included.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import fanzha

SRC = Path(fanzha.__file__).resolve().parents[1]
SEED = int(os.environ.get("FANZHA_FAULT_SEED", "20261204"))
TIMEOUT_S = 240.0


def trials(default: int, slow: int) -> list[object]:
    """Trial numbers: ``default`` in the default run, up to ``slow`` more marked slow."""
    fast = [pytest.param(n, id=f"kill{n}") for n in range(default)]
    heavy = [pytest.param(n, id=f"kill{n}", marks=pytest.mark.slow) for n in range(default, slow)]
    return [*fast, *heavy]


def delay_of(name: str, trial: int, span: float) -> float:
    """The seeded kill delay of ``trial`` of test ``name``: uniform over ``[0.05, span]``."""
    return random.Random(f"{SEED}:{name}:{trial}").uniform(0.05, max(span, 0.1))


@dataclass
class Site:
    """One isolated installation: a data directory and a workflow store URL."""

    data_dir: Path
    db_url: str
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """The environment the CLI runs with."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("FANZHA_")}
        env.update(
            PYTHONPATH=str(SRC),
            FANZHA_DATA_DIR=str(self.data_dir),
            FANZHA_DATABASE_URL=self.db_url,
            FANZHA_THREADS="1",
            FANZHA_MEMORY_LIMIT="1GB",
            **self.extra_env,
        )
        return env


def command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "fanzha", *args]


def run(site: Site, args: list[str], *, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion; with ``ok`` it must succeed."""
    done = subprocess.run(
        command(args), env=site.env(), capture_output=True, text=True, timeout=TIMEOUT_S
    )
    if ok and done.returncode != 0:
        raise AssertionError(f"fanzha {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def timed(site: Site, args: list[str]) -> float:
    """Run the CLI to completion; the seconds it took."""
    start = time.monotonic()
    run(site, args)
    return time.monotonic() - start


def run_killed(site: Site, args: list[str], delay: float, after: Path | None = None) -> bool:
    """Start the CLI and SIGKILL it ``delay`` s after it started — or, with ``after``, after
    that file appeared (e.g. the SQLite store, to aim at the writes); False if it had finished
    by then."""
    proc = subprocess.Popen(
        command(args), env=site.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return kill_after(proc, delay, after)


def kill_after(proc: subprocess.Popen[bytes], delay: float, after: Path | None = None) -> bool:
    """SIGKILL ``proc`` ``delay`` s from now (or from when ``after`` appears)."""
    while after is not None and not after.exists() and proc.poll() is None:
        time.sleep(0.005)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        return True


def store_file(site: Site) -> Path:
    """The file of a SQLite site's workflow store."""
    return Path(make_url(site.db_url).database or "")


def timed_after(site: Site, args: list[str], after: Path) -> tuple[float, float]:
    """Run the CLI to completion: (seconds in all, seconds after ``after`` appeared)."""
    start = time.monotonic()
    proc = subprocess.Popen(
        command(args), env=site.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    seen = None
    while proc.poll() is None:
        if seen is None and after.exists():
            seen = time.monotonic()
        time.sleep(0.005)
    end = time.monotonic()
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise AssertionError(f"fanzha {' '.join(args)} failed: {err.decode()}")
    return end - start, end - (seen or start)


def rows(db_url: str, sql: str) -> list[tuple[object, ...]]:
    """The rows of a query against the workflow store (as plain tuples)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def table_exists(db_url: str, table: str) -> bool:
    from sqlalchemy import inspect

    engine = create_engine(db_url)
    try:
        return table in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def audit_actions(db_url: str) -> Counter[tuple[str, str, str]]:
    """Audit records per (action, object type, object id)."""
    found = rows(db_url, "SELECT action, object_type, object_id FROM audit_log")
    return Counter((str(a), str(t), str(i)) for a, t, i in found)


def assert_audit_verifies(site: Site) -> None:
    """``fanzha audit verify`` exits 0 and says the chain is intact."""
    done = run(site, ["audit", "verify"])
    assert "intact" in done.stdout, done.stdout


def sqlite_site(base: Path, name: str, data_dir: Path | None = None) -> Site:
    """A site with a fresh SQLite store in ``base/name``."""
    folder = base / name
    folder.mkdir(parents=True, exist_ok=True)
    return Site(data_dir or folder / "var", f"sqlite:///{folder / 'workflow.db'}")


def copy_sqlite(source: Site, base: Path, name: str, data_dir: Path | None = None) -> Site:
    """A new site whose SQLite store is a copy of ``source``'s (WAL checkpointed first)."""
    site = sqlite_site(base, name, data_dir)
    src = Path(make_url(source.db_url).database or "")
    engine = create_engine(source.db_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    shutil.copy(src, Path(make_url(site.db_url).database or ""))
    return site


def postgres_admin() -> str:
    """The admin URL of the test PostgreSQL server; skips when unset."""
    admin = os.environ.get("FANZHA_TEST_POSTGRES_URL")
    if not admin:
        pytest.skip("FANZHA_TEST_POSTGRES_URL is not set (CI sets it)")
    return admin


def _admin(admin: str, sql: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def new_postgres_db(admin: str, *, template: str | None = None) -> str:
    """A new database on the test server (a copy of ``template`` if given); its URL."""
    name = f"fz_fault_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
    _admin(admin, f'CREATE DATABASE "{name}"{copy}')
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def drop_postgres_db(admin: str, url: str) -> None:
    _admin(admin, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def build_city(base: Path) -> Path:
    """A small simulated city, loaded into an event store (the data directory to copy)."""
    site = Site(base / "var", f"sqlite:///{base / 'unused.db'}")
    sim = base / "sim"
    args = [
        "simulate",
        "--residents",
        "4000",
        "--days",
        "2",
        "--seed",
        "3",
        "--fraud-multiplier",
        "4",
        "--out",
    ]
    run(site, [*args, str(sim)])
    run(site, ["load", str(sim)])
    return site.data_dir


def copy_data(city_dir: Path, base: Path, name: str) -> Path:
    """A private copy of the loaded city's data directory."""
    target = base / name / "var"
    shutil.copytree(city_dir, target)
    return target


def record(test: str, trial: int, delay: float, killed: bool, state: str) -> None:
    """Append one trial's outcome to ``FANZHA_FAULT_LOG`` (JSON lines) when it is set; the
    figures in docs/faults.md are counted from it."""
    log = os.environ.get("FANZHA_FAULT_LOG")
    if not log:
        return
    line = {"test": test, "trial": trial, "delay": round(delay, 3), "killed": killed}
    with Path(log).open("a", encoding="utf-8") as out:
        out.write(json.dumps({**line, "state": state}) + "\n")


CASE_HEADER = (
    "case_no,reported_at,occurred_at,phone,fraud_type,loss,solved,arrests,"
    "bank,account,paid,paid_at,stop_at,stopped"
)


def case_rows(n_cases: int, seed: int) -> list[str]:
    """CSV lines (no header) of ``n_cases`` cases of one to three accounts; about one case in
    twenty has a bad row (an unreadable time), which the importer quarantines."""
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


def write_cases(path: Path, n_cases: int, seed: int) -> int:
    """A cases CSV (see :func:`case_rows`); the number of data rows."""
    lines = case_rows(n_cases, seed)
    path.write_text(CASE_HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def plain(value: object) -> str:
    """A stored value as text that is the same on SQLite and PostgreSQL (times to seconds)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in " T":
        try:
            return dt.datetime.fromisoformat(value).isoformat(sep=" ", timespec="seconds")
        except ValueError:
            return value
    return str(value)
