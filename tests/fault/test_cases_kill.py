"""SIGKILL during ``fanzha cases import``, then import again: the clean import's cases, accounts
and audit records, nothing twice.

The import commits 50 cases per transaction, so a kill usually leaves some chunks in; the
second run finds those cases unchanged (no new version, no audit record) and adds the rest.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.fault.killing import (
    Site,
    assert_audit_verifies,
    delay_of,
    drop_postgres_db,
    new_postgres_db,
    plain,
    postgres_admin,
    record,
    rows,
    run,
    run_killed,
    sqlite_site,
    table_exists,
    timed,
    trials,
    write_cases,
)

N_CASES = 150
CASES_SQL = (
    "SELECT c.case_no, c.reported_at, c.loss_fen, c.fraud_type, c.victim_phone, c.version_id, "
    "a.account, a.paid_fen, a.stop_requested_at, a.stopped_fen "
    "FROM cases c LEFT JOIN case_accounts a ON a.case_id = c.id ORDER BY c.case_no, a.account"
)
Snapshot = tuple[list[tuple[object, ...]], Counter[tuple[str, str]]]


def snapshot(site: Site) -> Snapshot:
    """Every case with its accounts, and the audit records per (action, case number)."""
    audited = rows(site.db_url, "SELECT action, detail FROM audit_log")
    by_case = Counter((str(a), str(_detail(d).get("case_no"))) for a, d in audited)
    return [tuple(map(plain, r)) for r in rows(site.db_url, CASES_SQL)], by_case


def _detail(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else json.loads(str(value))


def state_of(site: Site, expected: int) -> str:
    if not table_exists(site.db_url, "cases"):
        return "no store yet"
    n = len(rows(site.db_url, "SELECT id FROM cases"))
    return (
        "no case committed" if n == 0 else ("all cases in" if n >= expected else "some chunks in")
    )


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Snapshot, float]:
    """The cases file, what a clean import stores, and how long it took."""
    base = tmp_path_factory.mktemp("cases-clean")
    file = base / "cases.csv"
    write_cases(file, N_CASES, seed=7)
    site = sqlite_site(base, "clean")
    seconds = timed(site, ["cases", "import", str(file)])
    found = snapshot(site)
    assert found[1][("case.create", "K007000001")] == 1
    return file, found, seconds


def _trial(site: Site, file: Path, clean: Snapshot, delay: float, name: str, trial: int) -> None:
    killed = run_killed(site, ["cases", "import", str(file)], delay)
    record(name, trial, delay, killed, state_of(site, len({r[0] for r in clean[0]})))
    done = run(site, ["cases", "import", str(file)])
    assert "quarantined" in done.stdout
    cases, audited = snapshot(site)
    assert cases == clean[0]
    assert audited == clean[1]
    assert_audit_verifies(site)


@pytest.mark.integration
@pytest.mark.parametrize("trial", trials(3, 15))
def test_cases_import_killed_then_rerun_matches_a_clean_import(
    clean: tuple[Path, Snapshot, float], tmp_path: Path, trial: int
) -> None:
    file, expected, seconds = clean
    site = sqlite_site(tmp_path, "store")
    _trial(site, file, expected, delay_of("cases", trial, seconds), "cases-sqlite", trial)


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("trial", range(4))
def test_cases_import_killed_on_postgres_then_rerun_matches_a_clean_import(
    clean: tuple[Path, Snapshot, float], tmp_path: Path, trial: int
) -> None:
    admin = postgres_admin()
    file, expected, seconds = clean
    site = Site(tmp_path / "var", new_postgres_db(admin))
    try:
        _trial(site, file, expected, delay_of("cases-pg", trial, seconds), "cases-pg", trial)
    finally:
        drop_postgres_db(admin, site.db_url)
