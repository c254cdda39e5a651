"""JSON Lines reader: one object per line; the first object's keys are the header.

Row numbers are line numbers (1-based). A line that is not a JSON object (a truncated last line,
for instance) is rejected; keys missing from a line are empty values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyarrow as pa

from fanzha.core.schemas import Kind
from fanzha.errors import IngestError
from fanzha.ingest.headers import match_headers
from fanzha.ingest.idnumbers import mask_ids_in_text
from fanzha.ingest.readers.base import Reject, RowBuffer, Source
from fanzha.ingest.readers.textfile import has_undecoded, open_text, shown

__all__ = ["read_jsonl"]


def _first_object(stream: IO[str], path: Path) -> tuple[int, dict[str, object]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        if has_undecoded(line):
            raise IngestError(
                "first line has bytes that are not valid text", file=path.name, row=number
            )
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"first line is not JSON: {exc.msg}", file=path.name, row=number
            ) from exc
        if not isinstance(value, dict):
            raise IngestError("first line is not a JSON object", file=path.name, row=number)
        return number, value
    raise IngestError("empty file", file=path.name)


def read_jsonl(path: Path, kind: Kind) -> Source:
    """Open a JSON Lines file of ``kind``."""
    stream, _encoding = open_text(path)
    try:
        number, first = _first_object(stream, path)
        header = list(first)
        match = match_headers(kind, header, path)
    except (IngestError, UnicodeDecodeError) as exc:
        stream.close()
        if isinstance(exc, IngestError):
            raise
        raise IngestError(f"cannot decode file: {exc}", file=path.name) from exc
    names = list(match.columns)
    source = Source(path, {n: header[p] for n, p in match.columns.items()}, match.extras, iter(()))
    buffer = RowBuffer(names, list(range(len(names))))
    keys = [header[p] for p in match.columns.values()]
    source.batches = _rows(stream, number, first, keys, buffer, source)
    return source


def _rows(
    stream: IO[str],
    number: int,
    first: dict[str, object],
    keys: list[str],
    buffer: RowBuffer,
    source: Source,
) -> Iterator[pa.RecordBatch]:
    buffer.add(number, [first.get(k) for k in keys])
    with stream:
        for row, line in enumerate(stream, start=number + 1):
            if not line.strip():
                continue
            if has_undecoded(line):
                raw = mask_ids_in_text(
                    json.dumps(shown(line.rstrip("\n"))[:2000], ensure_ascii=False)
                )
                source.rejects.append(Reject(row, "", "bytes that are not valid text", raw))
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raw = mask_ids_in_text(json.dumps(line.rstrip("\n")[:2000], ensure_ascii=False))
                source.rejects.append(Reject(row, "", f"not valid JSON: {exc.msg}", raw))
                continue
            if not isinstance(value, dict):
                raw = mask_ids_in_text(json.dumps(value, ensure_ascii=False))
                source.rejects.append(Reject(row, "", "not a JSON object", raw))
                continue
            buffer.add(row, [value.get(k) for k in keys])
            if buffer.full():
                yield buffer.flush()
    yield buffer.flush()
