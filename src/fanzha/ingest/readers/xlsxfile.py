"""XLSX reader: the first sheet, read-only and streamed; row numbers as Excel shows them."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa

from fanzha.core.schemas import Kind
from fanzha.errors import IngestError
from fanzha.ingest.headers import match_headers
from fanzha.ingest.readers.base import Reject, RowBuffer, Source, cell_text, raw_json

__all__ = ["read_xlsx"]


def read_xlsx(path: Path, kind: Kind) -> Source:
    """Open the first sheet of an XLSX workbook of ``kind``."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise IngestError(f"not a readable XLSX workbook: {exc}", file=path.name) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    first = next(rows, None)
    if first is None or not any(cell_text(v) for v in first):
        workbook.close()
        raise IngestError("empty workbook: no header row", file=path.name)
    header = [cell_text(v) or "" for v in first]
    while header and not header[-1]:
        header.pop()
    try:
        match = match_headers(kind, header, path)
    except IngestError:
        workbook.close()
        raise
    names = list(match.columns) + [
        f"__x{i}" for i in range(len(header)) if i not in match.columns.values()
    ]
    positions = list(match.columns.values()) + [
        i for i in range(len(header)) if i not in match.columns.values()
    ]
    source = Source(
        path, {n: header[p] for n, p in zip(names, positions, strict=True)}, match.extras, iter(())
    )
    source.total_rows = max((sheet.max_row or 1) - 1, 0)
    source.batches = _rows(workbook, rows, header, RowBuffer(names, positions), source)
    return source


def _rows(
    workbook: Any,
    rows: Iterator[tuple[Any, ...]],
    header: list[str],
    buffer: RowBuffer,
    source: Source,
) -> Iterator[pa.RecordBatch]:
    id_names = frozenset(h for n, h in source.headers.items() if n == "id_number")
    width = len(header)
    try:
        for row, values in enumerate(rows, start=2):
            if not any(cell_text(v) not in (None, "") for v in values):
                continue
            if any(cell_text(v) not in (None, "") for v in values[width:]):
                reason = f"has values beyond the {width} header columns"
                source.rejects.append(Reject(row, "", reason, raw_json(header, values, id_names)))
                continue
            buffer.add(row, values)
            if buffer.full():
                yield buffer.flush()
    finally:
        workbook.close()
    yield buffer.flush()
