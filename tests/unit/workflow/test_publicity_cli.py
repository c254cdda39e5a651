"""`fanzha volunteers import` and `fanzha publicity simulate|plan|effect` end to end, in a
subprocess, on a SQLite store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # runs the whole CLI
EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "volunteers.csv"


def fanzha(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FANZHA_DATA_DIR": str(root / "var")}
    env.pop("FANZHA_DATABASE_URL", None)
    url = f"sqlite:///{root / 'var' / 'fanzha.db'}"
    return subprocess.run(
        [sys.executable, "-m", "fanzha", *args, "--database-url", url],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_publicity_cli_import_simulate_plan_effect(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    first = fanzha(tmp_path, "volunteers", "import", str(EXAMPLE))
    assert first.returncode == 0, first.stderr
    assert "accepted 5" in first.stdout and "new 5" in first.stdout
    again = fanzha(tmp_path, "volunteers", "import", str(EXAMPLE))
    assert "unchanged 5" in again.stdout
    sim = fanzha(tmp_path, "publicity", "simulate", "--effect", "0.3", "--seed", "2")
    assert sim.returncode == 0, sim.stderr
    assert "true effect in the audience: contacts -21.0%" in sim.stdout
    assert "contacts" in sim.stdout and "fewer than expected" in sim.stdout
    plan = fanzha(tmp_path, "publicity", "plan")
    assert plan.returncode == 0, plan.stderr  # an empty risk map still gives a (thin) plan
    missing = fanzha(tmp_path, "publicity", "effect", "no-such-campaign")
    assert missing.returncode == 1 and "no such campaign" in missing.stderr
