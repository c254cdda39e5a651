"""The faster write path gives what the plain one gives: days from the span, sorting the
duplicate keys in two halves, checking ID numbers slice by slice ahead of DuckDB."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fanzha.ingest import IngestReport, classify, ingest_files, stage
from fanzha.store import event_writer
from fanzha.store.event_store import EventStore

from .conftest import KEY, make_id, quarantine_rows

START = dt.datetime(2024, 5, 1, 22)


def _layout(root: Path) -> list[str]:
    """Folders and files under ``events/`` with the batch IDs left out."""
    events = root / "events"
    return sorted(
        str(p.relative_to(events).parent) + ("/" if p.is_dir() else "/file")
        for p in events.rglob("*")
    )


def _stored(root: Path, kind: str) -> list[tuple[object, ...]]:
    pattern = f"{root.as_posix()}/events/{kind}/*/*.parquet"
    return duckdb.execute(
        "SELECT * FROM read_parquet($p, hive_partitioning = true) ORDER BY ALL", {"p": pattern}
    ).fetchall()


def _summary(report: IngestReport) -> list[tuple[object, ...]]:
    return [
        (f.file.name, f.rows_read, f.new, f.already_present, f.quarantined, f.reasons)
        for f in report.files
    ]


def _calls(path: Path, hours: list[int]) -> Path:
    """Calls at ``START`` + each of ``hours`` (a repeated row and a bad caller included)."""
    rows = len(hours)
    callers = [8613800000000 + n % 5 for n in range(rows)]
    callers[1] = 12
    table = pa.table(
        {
            "caller": callers,
            "callee": [8613900000000 + n % 3 for n in range(rows)],
            "start": [START + dt.timedelta(hours=h) for h in hours],
            "duration_s": [7] * rows,
        }
    )
    pq.write_table(pa.concat_tables([table, table.slice(0, 2)]), path)
    return path


@pytest.mark.parametrize(
    "hours",
    [
        [0, 1, 1, 2],  # 2024-05-01 and -02
        [0, 1, 50, 51, 52],  # -01, -02 and -04 (-03 is in the span but holds no call)
        [0, 1, 2, 400],  # more days than the span gives: the rows are looked at
    ],
)
def test_days_from_the_span_give_the_files_of_the_day_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hours: list[int]
) -> None:
    first = _calls(tmp_path / "first.parquet", hours)
    again = _calls(tmp_path / "again.parquet", [*hours, 3])
    results = []
    for name, use_span in (("plain", False), ("span", True)):
        if not use_span:
            monkeypatch.setattr(event_writer, "_span_days", lambda span: None)
        else:
            monkeypatch.undo()
        root = tmp_path / name
        store = EventStore(root)
        reports = [
            ingest_files("calls", [path], store, pseudonym_key=KEY) for path in (first, again)
        ]
        results.append(
            (
                _layout(root),
                _stored(root, "calls"),
                [_summary(r) for r in reports],
                [quarantine_rows(r) for r in reports],
            )
        )
    assert results[0] == results[1]
    assert results[1][2][1][-1][2] == 1  # the re-import adds the one new call only


def test_a_span_day_without_new_rows_gets_no_folder(tmp_path: Path) -> None:
    root = tmp_path / "data"
    ingest_files(
        "calls", [_calls(tmp_path / "a.parquet", [0, 1])], EventStore(root), pseudonym_key=KEY
    )
    before = _layout(root)
    # the same calls of 2024-05-01 plus one on 2024-05-04: the days between are in the span
    # with no rows, 2024-05-01 has rows but none new
    report = ingest_files(
        "calls", [_calls(tmp_path / "b.parquet", [0, 1, 50])], EventStore(root), pseudonym_key=KEY
    )
    assert report.new == 1
    assert not any("2024-05-02" in entry for entry in _layout(root))
    assert not any("2024-05-03" in entry for entry in _layout(root))
    assert len(_layout(root)) == len(before) + 2  # day 2024-05-04: folder and file


def test_duplicate_keys_sorted_in_halves_match_one_sort() -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 2**64 - 1, 5000, dtype=np.uint64, endpoint=True)
    keys = np.concatenate([keys, keys[:40], keys[-7:], keys[:3], [2**63, 2**63, 2**63 - 1]])
    keys = keys.astype(np.uint64)
    rng.shuffle(keys)
    con = duckdb.connect()
    con.register("k", pa.table({"row_key": pa.array(keys, pa.uint64())}))
    con.execute("CREATE TEMP TABLE norm AS SELECT row_key, NULL::VARCHAR AS _reason FROM k")
    found = classify._repeated_values(con, "row_key").column("v").to_numpy()
    ordered = np.sort(keys)
    expected = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    assert found.tolist() == expected.tolist()
    assert 2**63 in found.tolist()
    assert 2**63 - 1 not in found.tolist()


def test_id_checks_slice_by_slice_match_one_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids: list[str | None] = [make_id(n, "19800101") for n in range(60)]
    ids[4] = "not an id"
    ids[9] = None
    ids[17] = make_id(17, "19801301")  # month 13
    ids[30] = ids[30][:-1] + ("0" if ids[30][-1] != "0" else "1")  # bad checksum
    ids[41] = " " + make_id(41).lower() + " "
    table = pa.table(
        {
            "id_number": ids,
            "phone": [8613800000000 + n for n in range(60)],
            "birth_year": [1980] * 60,
            "gender": ["F", "M"] * 30,
            "occupation": ["it"] * 60,
            "community": ["CM00001"] * 60,
        }
    )
    path = tmp_path / "residents.parquet"
    pq.write_table(table, path)
    results = []
    for name, rows in (("one", 1 << 20), ("sliced", 7)):
        monkeypatch.setattr(stage, "_SLICE", rows)
        root = tmp_path / name
        report = ingest_files("residents", [path], EventStore(root), pseudonym_key=KEY)
        stored = duckdb.execute(
            "SELECT * FROM read_parquet($p) ORDER BY ALL",
            {"p": (root / "tables" / "residents.parquet").as_posix()},
        ).fetchall()
        quarantine = quarantine_rows(report)
        results.append((stored, _summary(report), quarantine))
    assert results[0] == results[1]
    assert results[0][1][0][4] >= 3
