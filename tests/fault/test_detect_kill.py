"""SIGKILL during ``fanzha detect``, then run it again: the same warnings as a clean run.

Even trials start from an empty workflow store (the kill may land in the first migration, in
detection or in the intake transaction); odd trials start from a store a clean run already
filled (the killed run is a re-detection that must change nothing).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from fanzha.store.database import alembic_config
from tests.fault.killing import (
    Site,
    assert_audit_verifies,
    build_city,
    copy_data,
    copy_sqlite,
    delay_of,
    drop_postgres_db,
    kill_after,
    new_postgres_db,
    postgres_admin,
    record,
    rows,
    run,
    run_killed,
    sqlite_site,
    store_file,
    table_exists,
    timed_after,
    trials,
)

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
Warnings = list[tuple[object, ...]]
SQL = (
    "SELECT resident_id, episode_start, level, fraud_type, status FROM warnings "
    "ORDER BY resident_id, episode_start"
)


def warnings_of(site: Site) -> Warnings:
    """(resident, episode start, level, type, status) of every warning, duplicates kept."""
    return [(r, _when(e), lv, t, s) for r, e, lv, t, s in rows(site.db_url, SQL)]


def _when(value: object) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def state_of(site: Site) -> str:
    file = make_url(site.db_url).database or ""
    if site.db_url.startswith("sqlite") and not Path(file).exists():
        return "before the store was opened"
    if not table_exists(site.db_url, "alembic_version"):
        return "no revision committed"
    version = rows(site.db_url, "SELECT version_num FROM alembic_version")
    if version != [(HEAD,)]:
        return f"store at {version}"
    return "warnings written" if warnings_of(site) else "at head, no warnings"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_city(tmp_path_factory.mktemp("city"))


@pytest.fixture(scope="module")
def clean(
    city: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Site, Warnings, float, float]:
    """A clean ``fanzha detect``: its store, its warnings and how long it took."""
    base = tmp_path_factory.mktemp("detect-clean")
    site = sqlite_site(base, "clean", copy_data(city, base, "clean"))
    seconds, writing = timed_after(site, ["detect"], store_file(site))
    found = warnings_of(site)
    assert len(found) >= 10, "the simulated city must give warnings to compare"
    return site, found, seconds, writing


@pytest.mark.integration
@pytest.mark.parametrize("trial", trials(2, 12))
def test_detect_killed_then_rerun_gives_the_clean_warnings(
    city: Path, clean: tuple[Site, Warnings, float, float], tmp_path: Path, trial: int
) -> None:
    reference, expected, seconds, writing = clean
    data = copy_data(city, tmp_path, "data")
    if trial % 2:  # a re-detection, killed anywhere
        site = copy_sqlite(reference, tmp_path, "store", data)
        killed = run_killed(site, ["detect"], delay := delay_of("detect", trial, seconds))
    else:  # a first detection, killed while it migrates and writes its store
        site = sqlite_site(tmp_path, "store", data)
        delay = delay_of("detect", trial, writing)
        killed = run_killed(site, ["detect"], delay, after=store_file(site))
    record("detect-sqlite", trial, delay, killed, state_of(site))
    run(site, ["detect"])
    assert warnings_of(site) == expected
    assert_audit_verifies(site)


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.parametrize("trial", trials(1, 6))
def test_detect_killed_on_postgres_then_rerun_gives_the_clean_warnings(
    city: Path, clean: tuple[Site, Warnings, float, float], tmp_path: Path, trial: int
) -> None:
    admin = postgres_admin()
    _, expected, seconds, _ = clean
    site = Site(copy_data(city, tmp_path, "data"), new_postgres_db(admin))
    try:
        delay = delay_of("detect-pg", trial, seconds)
        killed = run_killed(site, ["detect"], delay)
        record("detect-postgres", trial, delay, killed, state_of(site))
        run(site, ["detect"])
        assert warnings_of(site) == expected
        assert_audit_verifies(site)
    finally:
        drop_postgres_db(admin, site.db_url)


UPGRADE = "import sys; from fanzha.store.database import upgrade; upgrade(sys.argv[1])"


@pytest.mark.parametrize("trial", trials(3, 20))
def test_store_migration_killed_then_rerun_reaches_head(tmp_path: Path, trial: int) -> None:
    """The first ``upgrade`` of a new store, killed at a random point of its DDL, leaves
    nothing that stops the next one (before: the tables of a half-run revision without its
    version row, and every later command failed with "table cases already exists")."""
    site = sqlite_site(tmp_path, "store")
    args = [sys.executable, "-c", UPGRADE, site.db_url]
    proc = subprocess.Popen(args, env=site.env())
    while proc.poll() is None and not store_file(site).exists():
        time.sleep(0.005)
    start = time.monotonic()
    assert proc.wait(timeout=120) == 0
    seconds = time.monotonic() - start
    for path in store_file(site).parent.glob("workflow.db*"):
        path.unlink()
    delay = delay_of("migration", trial, seconds)
    killed = kill_after(subprocess.Popen(args, env=site.env()), delay, store_file(site))
    record("migration-sqlite", trial, delay, killed, state_of(site))
    subprocess.run(args, env=site.env(), check=True, timeout=120, capture_output=True)
    assert rows(site.db_url, "SELECT version_num FROM alembic_version") == [(HEAD,)]
