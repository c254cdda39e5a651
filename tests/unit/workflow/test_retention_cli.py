"""`fanzha retention purge|status` end to end, in a subprocess, on a SQLite store."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fanzha.core.warning_record import dump_reasons
from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.store.event_store import EventStore
from fanzha.workflow.warning.models import EarlyWarning

pytestmark = pytest.mark.integration  # runs the whole CLI
OLD = dt.datetime(2024, 6, 1, 9, 0)


def fanzha(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FANZHA_DATA_DIR": str(root / "var"), "FANZHA_RETENTION_DAYS": "365"}
    env.pop("FANZHA_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "fanzha", *args],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def seed(root: Path) -> tuple[str, int]:
    url = f"sqlite:///{root / 'var' / 'fanzha.db'}"
    engine = make_engine(url)
    upgrade(url)
    with session_factory(engine).begin() as s:
        w = EarlyWarning(
            resident_id="P00000000000000000001",
            phone=8613800001234,
            episode_start=OLD,
            warned_at=OLD,
            last_signal_at=OLD,
            level=3,
            fraud_type="fake_loan",
            score=4.0,
            reasons=[{"kind": "indicator_call", "time": OLD.isoformat(), "counterpart": 86170}],
            rules_version="t",
            status="closed",
            is_open=False,
            closed_at=OLD,
        )
        s.add(w)
        s.flush()
        wid = w.id
    engine.dispose()
    day = EventStore(root / "var").day_dir("calls", "2024-05-31")
    day.mkdir(parents=True)
    (day / "b.parquet").write_bytes(b"PAR1")
    return url, wid


def warning(url: str, wid: int) -> EarlyWarning:
    engine = make_engine(url)
    with session_factory(engine)() as s:
        w = s.get(EarlyWarning, wid)
        assert w is not None
    engine.dispose()
    return w


def test_cli_retention_dry_run_then_purge(tmp_path: Path) -> None:
    url, wid = seed(tmp_path)
    dry = fanzha(tmp_path, "retention", "purge", "--dry-run", "--as-of", "2026-03-02")
    assert dry.returncode == 0, dry.stderr
    assert "purging what closed before 2025-03-02 00:00:00" in dry.stdout
    counts = dict(line.split() for line in dry.stdout.splitlines() if line.startswith("  "))
    assert (counts["warnings"], counts["cases"], counts["partitions"]) == ("1", "0", "1")
    assert warning(url, wid).phone == 8613800001234
    assert EventStore(tmp_path / "var").files("calls")

    done = fanzha(tmp_path, "retention", "purge", "--as-of", "2026-03-02")
    assert done.returncode == 0, done.stderr
    assert "… warnings: 1" in done.stdout and "purge run 1 done (audited)" in done.stdout
    purged = warning(url, wid)
    assert purged.phone is None and purged.resident_id.startswith("purged:")
    assert dump_reasons(purged.reasons) == [
        {"kind": "indicator_call", "time": OLD.isoformat(), "purged": True}
    ]
    assert EventStore(tmp_path / "var").files("calls") == []

    verify = fanzha(tmp_path, "audit", "verify")
    assert verify.returncode == 0 and "2 records" in verify.stdout
    status = fanzha(tmp_path, "retention", "status")
    assert status.returncode == 0 and "run 1" in status.stdout
    assert any(line.split() == ["warnings", "1"] for line in status.stdout.splitlines())


def test_cli_retention_rejects_a_bad_date(tmp_path: Path) -> None:
    bad = fanzha(tmp_path, "retention", "purge", "--as-of", "2026-13-01")
    assert bad.returncode == 1
    assert "--as-of must be a date YYYY-MM-DD" in bad.stderr
