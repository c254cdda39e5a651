"""Re-imports add nothing; small tables upsert by key; files are written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from fanzha.store.event_store import EventStore

from .conftest import Ingest, assert_invariant, make_id, quarantine_rows, write_csv

CALLS = [
    ["13812345678", "13900001111", "2024-05-01 10:00:00", "30"],
    ["13812345678", "13900001111", "2024-05-02 10:00:00", "30"],
    ["0755-12345678", "95588", "2024-05-02 11:00:00", "0"],
]


def _count(store: EventStore, kind: str) -> int:
    row = store.connect().execute(f"SELECT count(*) FROM {kind}").fetchone()
    return int(row[0]) if row else 0


def test_reimport_of_same_file_adds_nothing(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    path = write_csv(tmp_path / "calls.csv", ["caller", "callee", "start", "duration_s"], CALLS)
    first = ingest("calls", path)
    second = ingest("calls", path)
    assert (first.files[0].new, first.files[0].already_present) == (3, 0)
    assert (second.files[0].new, second.files[0].already_present) == (0, 3)
    assert_invariant(second)
    assert _count(store, "calls") == 3
    assert sorted(p.parent.name for p in store.files("calls")) == [
        "day=2024-05-01",
        "day=2024-05-02",
    ]
    second.check()  # already-present rows are valid rows: no error


def test_overlapping_file_adds_only_new_rows(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    header = ["caller", "callee", "start", "duration_s"]
    ingest("calls", write_csv(tmp_path / "a.csv", header, CALLS[:2]))
    report = ingest("calls", write_csv(tmp_path / "b.csv", header, CALLS[1:]))
    assert (report.files[0].new, report.files[0].already_present) == (1, 1)
    assert _count(store, "calls") == 3


def test_same_rows_in_two_files_of_one_import_stored_once(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    header = ["caller", "callee", "start", "duration_s"]
    a = write_csv(tmp_path / "a.csv", header, CALLS)
    b = write_csv(tmp_path / "b.csv", header, CALLS)
    report = ingest("calls", a, b)
    assert [(f.new, f.already_present) for f in report.files] == [(3, 0), (0, 3)]
    assert _count(store, "calls") == 3


def test_table_upsert_replaces_row_with_same_key(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    header = ["community", "station"]
    ingest("jurisdictions", write_csv(tmp_path / "j1.csv", header, [["CM1", "S1"], ["CM2", "S1"]]))
    again = ingest(
        "jurisdictions", write_csv(tmp_path / "j2.csv", header, [["CM2", "S2"], ["CM1", "S1"]])
    )
    f = again.files[0]
    assert (f.new, f.already_present, f.updated) == (1, 1, 1)
    rows = (
        store.connect()
        .execute("SELECT community, station FROM jurisdictions ORDER BY 1")
        .fetchall()
    )
    assert rows == [("CM1", "S1"), ("CM2", "S2")]


def test_table_key_conflict_inside_file_is_quarantined(tmp_path: Path, ingest: Ingest) -> None:
    header = ["phone", "id_number", "birth_year", "gender", "occupation", "community"]
    rows = [
        ["13812345678", make_id(1), "1980", "M", "office", "CM1"],
        ["13812345678", make_id(1), "1980", "M", "office", "CM2"],
    ]
    report = ingest("residents", write_csv(tmp_path / "r.csv", header, rows))
    assert (report.files[0].new, report.files[0].quarantined) == (1, 1)
    assert_invariant(report)


def test_table_key_conflicts_among_many_keys_and_last_file_wins(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    """Only the repeated keys of a file are quarantined (with the row they repeat), whatever
    the other keys; a key in two files of one import takes the last file's values."""
    header = ["phone", "id_number", "birth_year", "gender", "occupation", "community"]
    rows = [[f"1381234{n:04d}", make_id(n), "1980", "M", "office", "CM1"] for n in range(50)]
    rows.insert(10, ["13812340003", make_id(3), "1980", "M", "office", "CM9"])  # row 12: conflict
    rows.insert(20, list(rows[5]))  # row 22: same values as row 7
    rows.append(["13812340007", make_id(7), "1981", "F", "office", "CM1"])  # row 54: conflict
    first = ingest("residents", write_csv(tmp_path / "r1.csv", header, rows))
    assert (first.files[0].new, first.files[0].quarantined) == (50, 3)
    reasons = {r["row"]: r["reason"] for r in quarantine_rows(first)}
    assert reasons == {
        "12": "same resident_id/phone as row 5",
        "22": "duplicate of row 7",
        "54": "same resident_id/phone as row 9",
    }
    again = ["13812340001", make_id(1), "1980", "M", "office"]
    a = write_csv(tmp_path / "a.csv", header, [[*again, "CA"]])
    b = write_csv(tmp_path / "b.csv", header, [[*again, "CB"]])
    both = ingest("residents", a, b)
    assert [(f.new, f.quarantined) for f in both.files] == [(1, 0), (1, 0)]
    stored = (
        store.connect()
        .execute("SELECT community FROM residents WHERE phone = 8613812340001")
        .fetchall()
    )
    assert stored == [("CB",)]
    assert _count(store, "residents") == 50


def test_ingest_log_and_no_staging_leftovers(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    path = write_csv(tmp_path / "calls.csv", ["caller", "callee", "start", "duration_s"], CALLS)
    ingest("calls", path)
    entries = [
        json.loads(line) for line in (store.root / "ingest_log.jsonl").read_text().splitlines()
    ]
    assert (
        entries[0]["kind"] == "calls" and entries[0]["new"] == 3 and len(entries[0]["sha256"]) == 64
    )
    assert (
        not list((store.root / ".staging").glob("*/*"))
        if (store.root / ".staging").exists()
        else True
    )
    assert not list(store.root.rglob("*.tmp"))


def test_many_days_are_partitioned_and_reimport_adds_nothing(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    rows = [["13812345678", "95588", f"2024-05-{day:02d} 10:00", "1"] for day in range(1, 11)]
    path = write_csv(tmp_path / "calls.csv", ["caller", "callee", "start", "duration_s"], rows)
    assert ingest("calls", path).files[0].new == 10
    assert ingest("calls", path).files[0].already_present == 10
    assert len({p.parent.name for p in store.files("calls")}) == 10
    assert _count(store, "calls") == 10
