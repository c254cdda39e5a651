"""CSV reader: any encoding :mod:`.textfile` detects, delimiter sniffed from the header line.

Row numbers are the ones a spreadsheet shows: the header is row 1. Blank lines (and lines of
empty fields only) are skipped and not counted as read. A row with more or fewer fields than
the header is rejected with its row number (trailing empty fields are tolerated).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyarrow as pa

from fanzha.core.schemas import Kind
from fanzha.errors import IngestError
from fanzha.ingest.headers import HeaderMatch, match_headers
from fanzha.ingest.readers.base import Reject, RowBuffer, Source, raw_json
from fanzha.ingest.readers.textfile import open_text

__all__ = ["read_csv"]

_DELIMITERS = (",", "\t", ";", "|")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path, kind: Kind) -> Source:
    """Open a CSV file of ``kind`` (header checked now; rows streamed later)."""
    stream, _encoding = open_text(path)
    try:
        first = stream.readline()
        if not first.strip():
            raise IngestError("empty file: no header line", file=path.name)
        delimiter = _sniff_delimiter(first)
        header = next(csv.reader([first], delimiter=delimiter))
        match = match_headers(kind, header, path)
    except (UnicodeDecodeError, csv.Error) as exc:
        stream.close()
        raise IngestError(f"unreadable header: {exc}", file=path.name) from exc
    except IngestError:
        stream.close()
        raise
    source = Source(path, {}, match.extras, iter(()))
    source.headers, buffer = _layout(header, match)
    source.batches = _rows(stream, delimiter, header, buffer, source)
    return source


def _layout(header: list[str], match: HeaderMatch) -> tuple[dict[str, str], RowBuffer]:
    names = list(match.columns)
    positions = list(match.columns.values())
    extra_positions = [i for i in range(len(header)) if i not in match.columns.values()]
    names += [f"__x{i}" for i in extra_positions]
    positions += extra_positions
    headers = {n: header[p] for n, p in zip(names, positions, strict=True)}
    return headers, RowBuffer(names, positions)


def _rows(
    stream: IO[str], delimiter: str, header: list[str], buffer: RowBuffer, source: Source
) -> Iterator[pa.RecordBatch]:
    id_names = frozenset(h for n, h in source.headers.items() if n == "id_number")
    width = len(header)
    row = 1
    reader = csv.reader(stream, delimiter=delimiter)
    with stream:
        while True:
            row += 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                source.rejects.append(Reject(row, "", f"unreadable line: {exc}", "null"))
                continue
            if not any(f.strip() for f in fields):
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
