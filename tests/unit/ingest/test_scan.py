"""Parquet files normalised by one joint statement give what file-by-file statements give."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fanzha.core.schemas import KINDS
from fanzha.ingest import IngestReport, ingest_files, pipeline, scan
from fanzha.ingest.readers import open_source
from fanzha.store.event_store import EventStore

from .conftest import KEY, assert_invariant, quarantine_rows

START = dt.datetime(2024, 5, 1, 8)


def _calls(path: Path, first: int, header: str = "caller") -> Path:
    rows = 40
    callers = [8613800000000 + (first + n) % 7 for n in range(rows)]
    callers[3] = 12  # not a plausible phone key
    starts = [START + dt.timedelta(minutes=(first + n) % 11) for n in range(rows)]
    starts[5] = dt.datetime(1900, 1, 1)  # time out of range
    table = pa.table(
        {
            header: callers,
            "callee": [8613900000000 + n % 3 for n in range(rows)],
            "start": starts,
            "duration_s": [n % 4 for n in range(rows)],
            "cell": [None if n % 5 else f"c{n}" for n in range(rows)],
        }
    )
    pq.write_table(table, path)
    return path


def _run(root: Path, files: list[Path]) -> tuple[IngestReport, list[tuple[object, ...]]]:
    store = EventStore(root)
    report = ingest_files("calls", files, store, pseudonym_key=KEY)
    pattern = f"{root.as_posix()}/events/calls/*/*.parquet"
    stored = duckdb.execute(
        "SELECT * EXCLUDE (row_key) FROM read_parquet($p) ORDER BY ALL", {"p": pattern}
    ).fetchall()
    return report, stored


def _summary(report: IngestReport) -> list[tuple[object, ...]]:
    return [
        (f.file.name, f.rows_read, f.new, f.already_present, f.quarantined, f.reasons)
        for f in report.files
    ]


def test_joint_statement_matches_file_by_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [_calls(tmp_path / f"part-{n}.parquet", 13 * n) for n in range(3)]
    files.append(_calls(tmp_path / "other.parquet", 5, header="主叫号码"))  # its own group
    joint_calls: list[str] = []
    real = scan.normalise_table

    def counted(*args: object) -> None:
        joint_calls.append(str(args[2]))
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(scan, "normalise_table", counted)
    joint, joint_rows = _run(tmp_path / "joint", files)
    assert len(joint_calls) == 1
    monkeypatch.setattr(pipeline, "group_files", lambda found: [[f] for f in found])
    alone, alone_rows = _run(tmp_path / "alone", files)
    assert len(joint_calls) == 1
    assert _summary(joint) == _summary(alone)
    assert joint_rows == alone_rows
    for index in range(len(files)):
        assert quarantine_rows(joint, index) == quarantine_rows(alone, index)
    assert_invariant(joint)
    assert sum(f.quarantined for f in joint.files) > 0


def test_groups_keep_file_order_and_split_by_schema(tmp_path: Path) -> None:
    files = [
        _calls(tmp_path / f"p{n}.parquet", n, "caller" if n != 1 else "主叫") for n in range(3)
    ]
    found = [scan.direct_file(open_source(f, KINDS["calls"]), i) for i, f in enumerate(files)]
    groups = scan.group_files([f for f in found if f is not None])
    assert [[f.index for f in g] for g in groups] == [[0, 2], [1]]


def test_failed_joint_statement_falls_back_to_file_by_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = [_calls(tmp_path / f"part-{n}.parquet", 13 * n) for n in range(3)]
    expected, expected_rows = _run(tmp_path / "joint", files)

    def fail(*_args: object) -> None:
        raise duckdb.InvalidInputException("joint scan failed")

    monkeypatch.setattr(scan, "normalise_table", fail)
    report, rows = _run(tmp_path / "fallback", files)
    assert _summary(report) == _summary(expected)
    assert rows == expected_rows
