"""SIGKILL during `fanzha ingest` at random points, then a re-run: nothing lost or duplicated.

The input is a few CSV files of calls over several days (so several day partitions are
published one by one) with some bad rows. A clean import into a fresh store is the reference.
Each trial starts `python -m fanzha ingest` on a fresh store, kills it with SIGKILL after a
seeded random delay spread over the length of a clean run, then runs the same import to the
end. The store must then hold exactly the reference rows (compared by row key, with counts).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fanzha.store.event_store import EventStore

TRIALS = 8
SEED = 9


def _write_inputs(folder: Path) -> list[Path]:
    rng = random.Random(SEED)
    paths = []
    for part in range(3):
        lines = ["caller,callee,start,duration_s"]
        for n in range(40_000):
            day = 1 + (n + part) % 6
            caller = "12" if rng.random() < 0.002 else f"138{rng.randrange(10**8):08d}"
            lines.append(f"{caller},13900001111,2024-05-0{day} {n % 24:02d}:{n % 60:02d}:00,{n}")
        lines += lines[1:200]  # exact repeats inside the file
        path = folder / f"calls-{part}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def _command(data: Path, paths: list[Path]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "fanzha",
        "ingest",
        "calls",
        *map(str, paths),
        "--data-dir",
        str(data),
    ]


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": src, "FANZHA_PSEUDONYM_KEY": "kill-test-key"}


def _rows(data: Path) -> dict[int, int]:
    con = EventStore(data).connect()
    try:
        keys = con.execute(
            "SELECT hash(caller, callee, start, duration_s), count(*) FROM calls GROUP BY 1"
        ).fetchall()
    finally:
        con.close()
    return {int(k): int(n) for k, n in keys}


def _run(data: Path, paths: list[Path]) -> float:
    start = time.perf_counter()
    done = subprocess.run(_command(data, paths), env=_env(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return time.perf_counter() - start


@pytest.mark.slow
def test_ingest_kill_then_rerun_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    paths = _write_inputs(tmp_path)
    length = _run(tmp_path / "reference", paths)
    reference = _rows(tmp_path / "reference")
    assert sum(reference.values()) > 100_000 and max(reference.values()) == 1
    rng = random.Random(SEED)
    killed = 0
    for trial in range(TRIALS):
        data = tmp_path / f"trial-{trial}"
        process = subprocess.Popen(
            _command(data, paths), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.2, 1.0) * length)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
        _run(data, paths)
        assert _rows(data) == reference, f"trial {trial}"
    print(f"ingest kill test: {TRIALS} trials, {killed} killed mid-run, all survived")
    assert killed >= TRIALS // 2
