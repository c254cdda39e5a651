"""Readers: encodings, broken files, formats (CSV/XLSX/Parquet/JSONL) and header matching."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fanzha.errors import IngestError, NothingValidError
from fanzha.store.event_store import EventStore

from .conftest import Ingest, assert_invariant, quarantine_rows, write_csv

HEADER = ["caller", "callee", "start", "duration_s"]
ROWS = [
    ["13812345678", "13900001111", "2024-05-01 10:00:00", "30"],
    ["0755-12345678", "95588", "2024-05-01 11:00:00", "0"],
]


def _calls(store: EventStore) -> list[tuple[object, ...]]:
    con = store.connect()
    return con.execute(
        "SELECT caller, callee, start, duration_s FROM calls ORDER BY start"
    ).fetchall()


EXPECTED = [
    (8613812345678, 8613900001111, dt.datetime(2024, 5, 1, 10), 30),
    (8675512345678, 8695588, dt.datetime(2024, 5, 1, 11), 0),
]


def test_csv_reader_reads_gbk_file_with_chinese_headers(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    header = ["主叫号码", "被叫号码", "通话开始时间", "通话时长（秒）", "备注"]
    path = write_csv(tmp_path / "calls.csv", header, [[*r, "电话诈骗嫌疑"] for r in ROWS], "gbk")
    report = ingest("calls", path)
    assert report.files[0].new == 2 and report.files[0].extra_columns == ("备注",)
    assert _calls(store) == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_reader_detects_encoding(
    tmp_path: Path, ingest: Ingest, store: EventStore, encoding: str
) -> None:
    path = write_csv(
        tmp_path / "calls.csv", [" Caller ", "CALLEE", "Start", "Duration S"], ROWS, encoding
    )
    assert ingest("calls", path).files[0].new == 2
    assert _calls(store) == EXPECTED


def test_csv_reader_rejects_undecodable_encoding(tmp_path: Path, ingest: Ingest) -> None:
    path = tmp_path / "calls.csv"
    path.write_bytes(",".join(HEADER).encode() + "\n13812345678,Zoë,ÿÿ,1\n".encode("latin-1"))
    report = ingest("calls", path)
    assert report.files[0].error is not None
    assert "neither UTF-8 nor GBK" in str(report.files[0].error)
    with pytest.raises(IngestError, match="cannot decode"):
        report.check()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty file"), (b"\x00\x01\x02binary\x00junk" * 50, "binary"), (b"\n\n  \n", "empty")],
)
def test_csv_reader_rejects_unreadable_files(
    tmp_path: Path, ingest: Ingest, content: bytes, message: str
) -> None:
    path = tmp_path / "calls.csv"
    path.write_bytes(content)
    report = ingest("calls", path)
    assert message in str(report.files[0].error)
    assert report.files[0].rows_read == 0


def test_csv_reader_rejects_truncated_gzip(tmp_path: Path, ingest: Ingest) -> None:
    data = gzip.compress(
        ("\n".join([",".join(HEADER)] + [",".join(r) for r in ROWS * 500])).encode()
    )
    path = tmp_path / "calls.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    report = ingest("calls", path)
    assert "gzip" in str(report.files[0].error)
    with pytest.raises(IngestError):
        report.check()


def test_csv_reader_reads_complete_gzip(tmp_path: Path, ingest: Ingest) -> None:
    path = tmp_path / "calls.csv.gz"
    path.write_bytes(
        gzip.compress(("\n".join([",".join(HEADER)] + [",".join(r) for r in ROWS])).encode())
    )
    assert ingest("calls", path).files[0].new == 2


def test_csv_reader_quarantines_truncated_last_row(tmp_path: Path, ingest: Ingest) -> None:
    path = tmp_path / "calls.csv"
    path.write_text(
        ",".join(HEADER) + "\n" + ",".join(ROWS[0]) + "\n13812345678,1390000", encoding="utf-8"
    )
    report = ingest("calls", path)
    assert_invariant(report)
    assert (report.files[0].new, report.files[0].quarantined) == (1, 1)
    row = quarantine_rows(report)[0]
    assert row["row"] == "3" and "fields" in row["reason"]


@pytest.mark.parametrize(
    "tail",
    [b"\n13812345678,13900001111,2024-05-01 12:00:00,1\xe9\x95", b"\n\xff\xfe,95588,x,1\n"],
    ids=["cut-inside-a-character", "bad-bytes"],
)
def test_csv_reader_quarantines_undecodable_bytes_and_reads_on(
    tmp_path: Path, ingest: Ingest, tail: bytes
) -> None:
    """A BOM file with bytes its encoding cannot decode (e.g. cut inside a character): that
    row is quarantined, the rest read (a strict decoder raised there forever, filling memory)."""
    body = "\n".join([",".join(HEADER), *(",".join(r) for r in ROWS)]).encode()
    path = tmp_path / "calls.csv"
    path.write_bytes(b"\xef\xbb\xbf" + body + tail)
    report = ingest("calls", path)
    assert_invariant(report)
    assert (report.files[0].new, report.files[0].quarantined) == (2, 1)
    (row,) = quarantine_rows(report)
    assert row["row"] == "4" and "not valid utf-8-sig" in row["reason"]


def test_csv_reader_missing_required_column_reads_nothing(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    path = write_csv(
        tmp_path / "calls.csv",
        ["caller", "start", "duration_s"],
        [["13812345678", "2024-05-01 10:00", "3"]],
    )
    report = ingest("calls", path)
    error = report.files[0].error
    assert isinstance(error, IngestError)
    assert error.context == {"file": "calls.csv", "column": "callee"}
    assert store.files("calls") == []


def test_csv_reader_header_only_file_is_nothing_valid(tmp_path: Path, ingest: Ingest) -> None:
    path = write_csv(tmp_path / "calls.csv", HEADER, [])
    report = ingest("calls", path)
    assert report.files[0].error is None and report.files[0].rows_read == 0
    with pytest.raises(NothingValidError):
        report.check()


def test_xlsx_reader_round_trip_with_excel_datetimes(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["主叫", "被叫", "开始时间", "时长"])
    sheet.append([13812345678, "13900001111", dt.datetime(2024, 5, 1, 10), 30])
    sheet.append(["0755-12345678", 95588, dt.datetime(2024, 5, 1, 11), 0.0])
    sheet.append([None, None, None, None])
    sheet.append(["13812345678", "x", dt.datetime(2024, 5, 1, 12), 1])
    path = tmp_path / "calls.xlsx"
    workbook.save(path)
    report = ingest("calls", path)
    assert_invariant(report)
    assert (report.files[0].new, report.files[0].quarantined) == (2, 1)
    assert quarantine_rows(report)[0]["row"] == "5"
    assert _calls(store) == EXPECTED


def test_jsonl_reader_round_trip_and_broken_line(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    lines = [json.dumps(dict(zip(HEADER, r, strict=True))) for r in ROWS]
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(lines) + '\n{"caller": "138', encoding="utf-8")
    report = ingest("calls", path)
    assert_invariant(report)
    assert (report.files[0].new, report.files[0].quarantined) == (2, 1)
    assert quarantine_rows(report)[0]["row"] == "3"
    assert _calls(store) == EXPECTED


def test_jsonl_reader_quarantines_a_line_with_undecodable_bytes(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    lines = [json.dumps(dict(zip(HEADER, r, strict=True))).encode() for r in ROWS]
    path = tmp_path / "calls.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + lines[0] + b'\n{"caller": "\xff\xfe"}\n' + lines[1])
    report = ingest("calls", path)
    assert_invariant(report)
    assert (report.files[0].new, report.files[0].quarantined) == (2, 1)
    (row,) = quarantine_rows(report)
    assert row["row"] == "2" and "not valid text" in row["reason"]
    assert _calls(store) == EXPECTED


def test_parquet_reader_takes_integer_phones_as_keys(
    tmp_path: Path, ingest: Ingest, store: EventStore
) -> None:
    table = pa.table(
        {
            "caller": pa.array([8613812345678, 8675512345678, 12], pa.int64()),
            "callee": pa.array([8613900001111, 8695588, 8613900001111], pa.int64()),
            "start": pa.array(
                [
                    dt.datetime(2024, 5, 1, 10),
                    dt.datetime(2024, 5, 1, 11),
                    dt.datetime(2024, 5, 1, 12),
                ],
                pa.timestamp("us"),
            ),
            "duration_s": pa.array([30, 0, 5], pa.int32()),
        }
    )
    path = tmp_path / "calls.parquet"
    pq.write_table(table, path)
    report = ingest("calls", path)
    assert_invariant(report)
    assert (report.files[0].new, report.files[0].quarantined) == (2, 1)
    row = quarantine_rows(report)[0]
    assert (row["row"], row["column"]) == ("3", "caller")
    assert _calls(store) == EXPECTED


def test_parquet_reader_rejects_truncated_file(tmp_path: Path, ingest: Ingest) -> None:
    path = tmp_path / "calls.parquet"
    pq.write_table(pa.table({h: ["1"] for h in HEADER}), path)
    path.write_bytes(path.read_bytes()[:-30])
    assert "Parquet" in str(ingest("calls", path).files[0].error)
