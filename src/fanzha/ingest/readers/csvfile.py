"""CSV reader: any encoding :mod:`.textfile` detects, delimiter sniffed from the header line.

Row numbers are the ones a spreadsheet shows: the header is row 1. Blank lines (and lines of
empty fields only) are skipped and not counted as read. A row with more or fewer fields than
the header is rejected with its row number (trailing empty fields are tolerated).
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from fanzha.core.schemas import Kind
from fanzha.errors import IngestError
from fanzha.ingest.headers import HeaderMatch, match_headers
from fanzha.ingest.readers.base import Reject, RowBuffer, Source, raw_json
from fanzha.ingest.readers.csvduck import CsvPlan
from fanzha.ingest.readers.textfile import has_undecoded, open_binary, open_text, shown

__all__ = ["read_csv"]

_DELIMITERS = (",", "\t", ";", "|")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path, kind: Kind) -> Source:
    """Open a CSV file of ``kind`` (header checked now; rows streamed later).

    ``Source.csv_plan`` lets the pipeline try DuckDB's reader first (:mod:`.csvduck`); the
    batches are the Python reader, used when DuckDB declines.
    """
    stream, encoding = open_text(path)
    with stream:
        try:
            first = stream.readline()
            if not first.strip():
                raise IngestError("empty file: no header line", file=path.name)
            if has_undecoded(first):
                raise IngestError(
                    f"unreadable header: bytes that are not valid {encoding} text", file=path.name
                )
            delimiter = _sniff_delimiter(first)
            header = next(csv.reader([first], delimiter=delimiter))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise IngestError(f"unreadable header: {exc}", file=path.name) from exc
        match = match_headers(kind, header, path)
    source = Source(path, {}, match.extras, iter(()))
    source.headers, buffer = _layout(header, match)
    source.total_rows = _estimate_rows(path, len(first))
    source.batches = _rows(path, encoding, delimiter, header, buffer, source)
    ids = frozenset(h for n, h in source.headers.items() if n == "id_number")
    source.csv_plan = CsvPlan(
        path, encoding, delimiter, header, buffer.names, buffer.positions, ids
    )
    return source


def _estimate_rows(path: Path, header_chars: int) -> int | None:
    """A guess of the row count from the first 64 KiB (for the progress bar only)."""
    with open_binary(path) as stream:
        sample = stream.read(1 << 16)
    lines = sample.count(b"\n")
    if lines < 2 or len(sample) < (1 << 16):
        return None
    size = path.stat().st_size
    if sample[:2] == b"\x1f\x8b":
        return None
    return max(int((size - header_chars) / (len(sample) / lines)), 1)


def _layout(header: list[str], match: HeaderMatch) -> tuple[dict[str, str], RowBuffer]:
    names = list(match.columns)
    positions = list(match.columns.values())
    extra_positions = [i for i in range(len(header)) if i not in match.columns.values()]
    names += [f"__x{i}" for i in extra_positions]
    positions += extra_positions
    headers = {n: header[p] for n, p in zip(names, positions, strict=True)}
    return headers, RowBuffer(names, positions)


def _rows(
    path: Path,
    encoding: str,
    delimiter: str,
    header: list[str],
    buffer: RowBuffer,
    source: Source,
) -> Iterator[pa.RecordBatch]:
    id_names = frozenset(h for n, h in source.headers.items() if n == "id_number")
    width = len(header)
    row = 1
    # Decoded as open_text does: a row holding undecodable bytes is rejected, the next one read.
    stream = io.TextIOWrapper(
        open_binary(path), encoding=encoding, errors="surrogateescape", newline=""
    )
    stream.readline()
    reader = csv.reader(stream, delimiter=delimiter)
    with stream:
        while True:
            row += 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                source.rejects.append(Reject(row, "", f"unreadable line: {exc}", "null"))
                continue
            if not any(f.strip() for f in fields):
                continue
            if any(has_undecoded(f) for f in fields):
                reason = f"bytes that are not valid {encoding} text"
                raw = raw_json(header, [shown(f) for f in fields], id_names)
                source.rejects.append(Reject(row, "", reason, raw))
                continue
            if len(fields) > width and not any(f.strip() for f in fields[width:]):
                fields = fields[:width]
            if len(fields) != width:
                reason = f"has {len(fields)} fields, the header has {width}"
                source.rejects.append(Reject(row, "", reason, raw_json(header, fields, id_names)))
                continue
            buffer.add(row, fields)
            if buffer.full():
                yield buffer.flush()
    yield buffer.flush()
