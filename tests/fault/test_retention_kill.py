"""SIGKILL during ``fanzha retention purge``, then purge again: the clean run's rows purged,
each once, and every purged row accounted for by an audit record of the run that purged it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.fault.killing import (
    Site,
    assert_audit_verifies,
    copy_sqlite,
    delay_of,
    record,
    rows,
    run,
    run_killed,
    sqlite_site,
    timed,
    trials,
)

PURGE = ["retention", "purge", "--as-of", "2027-06-01", "--days", "30"]


def purged(site: Site) -> list[tuple[object, ...]]:
    return sorted(rows(site.db_url, "SELECT table_name, row_id FROM retention_purged"))


def audited_counts(site: Site) -> Counter[str]:
    """Warnings and cases purged, summed over the retention.batch audit records."""
    total: Counter[str] = Counter()
    for (detail,) in rows(
        site.db_url, "SELECT detail FROM audit_log WHERE action = 'retention.batch'"
    ):
        counts = (detail if isinstance(detail, dict) else json.loads(str(detail)))["counts"]
        total.update({k: counts.get(k, 0) for k in ("warnings", "cases")})
    return total


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Site:
    base = tmp_path_factory.mktemp("history")
    site = sqlite_site(base, "history")
    args = ["simulate-history", "--residents", "20000", "--months", "6", "--end", "2026-06-01"]
    run(site, args)
    return site


@pytest.fixture(scope="module")
def clean(
    history: Site, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[tuple[object, ...]], float]:
    site = copy_sqlite(history, tmp_path_factory.mktemp("purge-clean"), "clean")
    seconds = timed(site, PURGE)
    found = purged(site)
    assert len(found) > 1000
    return found, seconds


@pytest.mark.integration
@pytest.mark.parametrize("trial", trials(2, 12))
def test_retention_purge_killed_then_rerun_purges_each_row_once_and_audited(
    history: Site, clean: tuple[list[tuple[object, ...]], float], tmp_path: Path, trial: int
) -> None:
    expected, seconds = clean
    site = copy_sqlite(history, tmp_path, "store")
    delay = delay_of("retention", trial, seconds)
    killed = run_killed(site, PURGE, delay)
    n = len(purged(site))
    record("retention-sqlite", trial, delay, killed, "none purged" if n == 0 else f"{n} purged")
    run(site, PURGE)
    assert purged(site) == expected  # the primary key (table, id) also forbids a second mark
    by_table = Counter(str(t) for t, _ in expected)
    assert audited_counts(site) == Counter(warnings=by_table["warnings"], cases=by_table["cases"])
    finished = rows(site.db_url, "SELECT count(*) FROM audit_log WHERE action = 'retention.purge'")
    assert finished[0][0] in (1, 2)  # the re-run's, and the killed run's if it had finished
    assert_audit_verifies(site)
