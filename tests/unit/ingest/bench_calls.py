"""Benchmark (not collected by pytest): ingest a synthetic day of calls from Parquet.

    .venv/bin/python tests/unit/ingest/bench_calls.py [ROWS] [DIR]

Writes ROWS (default 20 M) call records of one day (int64 phone keys, timestamps, int32
durations, cell ids as strings) with numpy, ingests them twice (the second time everything is
already present) and prints the wall times and rows per second.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fanzha.ingest import ingest_files
from fanzha.store.event_store import EventStore


def make_calls(path: Path, rows: int, seed: int = 7) -> None:
    """Write a synthetic day of calls: 800 k resident numbers plus outside numbers."""
    rng = np.random.default_rng(seed)
    residents = 8613800000000 + rng.choice(99_999_999, 800_000, replace=False)
    writer = None
    chunk = 2_000_000
    day = np.datetime64("2024-05-01T00:00:00", "us")
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        caller = residents[rng.integers(0, len(residents), n)]
        callee = np.where(
            rng.random(n) < 0.7,
            residents[rng.integers(0, len(residents), n)],
            8613000000000 + rng.integers(0, 6_999_999_999, n),
        )
        start_us = day + rng.integers(0, 86_400_000_000, n).astype("timedelta64[us]")
        cells = pa.array(rng.integers(0, 3000, n)).cast(pa.string())
        table = pa.table(
            {
                "caller": pa.array(caller, pa.int64()),
                "callee": pa.array(callee, pa.int64()),
                "start": pa.array(start_us),
                "duration_s": pa.array(rng.integers(0, 600, n).astype(np.int32)),
                "cell": cells,
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=1 << 20)
    assert writer is not None
    writer.close()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000_000
    root = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp/fanzha-bench")
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    source = root / "calls.parquet"
    started = time.perf_counter()
    make_calls(source, rows)
    print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s")
    print(f"load average before import: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    store = EventStore(root / "data")
    for attempt in ("first import", "re-import"):
        started, cpu = time.perf_counter(), time.process_time()
        report = ingest_files("calls", [source], store, pseudonym_key="bench")
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        f = report.files[0]
        print(
            f"{attempt}: {seconds:.1f} s wall, {cpu:.1f} s CPU, {rows / seconds:,.0f} rows/s "
            f"(new {f.new:,}, already present {f.already_present:,}, quarantined {f.quarantined:,})"
        )


if __name__ == "__main__":
    main()
