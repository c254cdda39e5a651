"""SIGKILL during ``fanzha detect``, then run it again: the same warnings as a clean run.

Even trials start from an empty workflow store (the kill may land in the first migration, in
detection or in the intake transaction); odd trials start from a store a clean run already
filled (the killed run is a re-detection that must change nothing).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.fault.killing import (
    Site,
    assert_audit_verifies,
    city,  # noqa: F401 - fixture
    copy_data,
    copy_sqlite,
    delay_of,
    drop_postgres_db,
    new_postgres_db,
    postgres_admin,
    record,
    rows,
    run,
    run_killed,
    sqlite_site,
    table_exists,
    timed,
    trials,
)

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
    if not table_exists(site.db_url, "alembic_version"):
        return "no store yet"
    if not table_exists(site.db_url, "warnings"):
        return "migration not committed"
    return "warnings written" if warnings_of(site) else "migrated, no warnings"


@pytest.fixture(scope="module")
def clean(city: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, Warnings, float]:
    """A clean ``fanzha detect``: its store, its warnings and how long it took."""
    base = tmp_path_factory.mktemp("detect-clean")
    site = sqlite_site(base, "clean", copy_data(city, base, "clean"))
    seconds = timed(site, ["detect"])
    found = warnings_of(site)
    assert len(found) >= 10, "the simulated city must give warnings to compare"
    return site, found, seconds


@pytest.mark.integration
@pytest.mark.parametrize("trial", trials(2, 12))
def test_detect_killed_then_rerun_gives_the_clean_warnings(
    city: Path, clean: tuple[Site, Warnings, float], tmp_path: Path, trial: int
) -> None:
    reference, expected, seconds = clean
    data = copy_data(city, tmp_path, "data")
    if trial % 2:
        site = copy_sqlite(reference, tmp_path, "store", data)
    else:
        site = sqlite_site(tmp_path, "store", data)
    delay = delay_of("detect", trial, seconds)
    killed = run_killed(site, ["detect"], delay)
    record("detect-sqlite", trial, delay, killed, state_of(site))
    run(site, ["detect"])
    assert warnings_of(site) == expected
    assert_audit_verifies(site)


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.parametrize("trial", trials(1, 6))
def test_detect_killed_on_postgres_then_rerun_gives_the_clean_warnings(
    city: Path, clean: tuple[Site, Warnings, float], tmp_path: Path, trial: int
) -> None:
    admin = postgres_admin()
    _, expected, seconds = clean
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
