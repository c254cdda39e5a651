"""`fanzha users` and `fanzha audit verify` end to end, in a subprocess."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from fanzha.store.database import make_engine, session_factory, upgrade
from fanzha.workflow.audit import service as audit
from fanzha.workflow.audit.models import AuditRecord

pytestmark = pytest.mark.integration


def _fanzha(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FANZHA_DATA_DIR": str(tmp_path / "var")}
    return subprocess.run(
        [sys.executable, "-m", "fanzha", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_audit_verify_reports_first_tampered_record(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'fanzha.db'}"
    engine = make_engine(url)
    upgrade(url)
    factory = session_factory(engine)
    with factory.begin() as s:
        ids = [
            audit.append(
                session=s,
                actor="user:1:a",
                action="view",
                object_type="warning",
                object_id=i,
                at=dt.datetime(2026, 3, 2, 10, i),
            ).id
            for i in range(4)
        ]
    ok = _fanzha(tmp_path, "audit", "verify")
    assert ok.returncode == 0 and "4 records" in ok.stdout
    with factory.begin() as s:
        s.execute(update(AuditRecord).where(AuditRecord.id == ids[1]).values(object_id="99"))
    engine.dispose()
    bad = _fanzha(tmp_path, "audit", "verify")
    assert bad.returncode == 1 and f"record {ids[1]}" in bad.stderr


def test_cli_users_add_and_list(tmp_path: Path) -> None:
    added = _fanzha(
        tmp_path,
        "users",
        "add",
        "wang",
        "--role",
        "centre_operator",
        "--password",
        "a-long-password",
    )
    assert added.returncode == 0, added.stderr
    listed = _fanzha(tmp_path, "users", "list")
    assert "wang" in listed.stdout and "centre_operator" in listed.stdout
    refused = _fanzha(
        tmp_path, "users", "add", "li", "--role", "station_officer", "--password", "a-long-password"
    )
    assert refused.returncode == 1 and "need a station" in refused.stderr
