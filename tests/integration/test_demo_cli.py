"""``fanzha demo`` end to end (small city, no desk): every step prints its figures."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fanzha
from fanzha.stream.redis_server import redis_binary

SRC = Path(fanzha.__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_runs_every_step_and_the_live_hour_warns(tmp_path: Path) -> None:
    if redis_binary() is None:
        pytest.skip("redis-server is not installed (CI installs it)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANZHA_")}
    env["PYTHONPATH"] = str(SRC)
    args = ["--residents", "5000", "--days", "2", "--no-serve", "--no-history"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fanzha",
            "demo",
            "--dir",
            str(tmp_path / "demo"),
            *args,
            "--live-seconds",
            "5",
        ],
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for step in range(1, 9):
        assert f"{step}/8" in out
    contacted = next(line for line in out.splitlines() if line.startswith("warnings contacted:"))
    assert "sms " in contacted and "voice " in contacted
    assert "true effect in the audience" in out
    if shutil.which("java") is not None:  # CI installs it: the Spark part must agree
        spark = next(line for line in out.splitlines() if line.startswith("Spark:"))
        assert "the same warnings as the consumer's scorer: yes →" in spark, spark
        assert int(spark.split("→ ")[1].split(" warnings")[0]) > 0, spark
    live = next(line for line in out.splitlines() if line.startswith("实时 live:"))
    new_warnings = int(live.split("→")[1].split("new warnings")[0])
    assert new_warnings > 0, live
